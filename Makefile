# The two commands of the README:
#   make demo   — run the embedded demo (go run ./cmd/seuil demo)
#   make test   — install what the tests need if it is missing (.ci/deps:
#                 apt-get as root, go install for helm and oauth2-proxy), then
#                 run every test: Go unit, integration (real Redis, OpenLDAP,
#                 PostgreSQL, SMTP, Apache + mod_auth_openidc, oauth2-proxy
#                 started by the tests), the browser walk and an independent
#                 relying party (openid-client) against the demo.
GO ?= go
# The tools .ci/deps builds, and the sbin directories where slapd lives.
export PATH := $(CURDIR)/.ci/bin:$(PATH):/usr/sbin:/sbin

.PHONY: deps demo test test-go test-browser test-interop vet bench bench-all generate build

demo:
	$(GO) run ./cmd/seuil demo

build:
	$(GO) build -o bin/seuil ./cmd/seuil

vet:
	$(GO) vet ./...

test: deps vet test-go test-browser test-interop

deps:
	bash .ci/deps

test-go:
	$(GO) test -count=1 -timeout 15m ./...

test-browser:
	cd flows/e2e && npm ci --no-audit --no-fund --silent && node walk.mjs && node a11y.mjs && node passkey.mjs && node console.mjs

test-interop:
	cd idp/provider/interop && npm ci --no-audit --no-fund --silent && node rp.mjs && node rps.mjs

# The rentrée's figures side by side in one table (.ci/bench): the
# password check, the token endpoint, Redis round trips, activations
# through seuil serve, a sync of 100,000 students. bench-all runs every
# Go benchmark as it is.
bench:
	bash .ci/bench

bench-all:
	$(GO) test -run '^$$' -bench . -benchmem ./...

generate:
	$(GO) generate ./...
