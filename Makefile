# The two commands of the README:
#   make demo   — run the embedded demo (go run ./cmd/seuil demo)
#   make test   — run every test: Go unit, integration (real Redis, OpenLDAP,
#                 PostgreSQL, SMTP started by the tests), the browser walk and
#                 an independent relying party (openid-client) against the demo.
GO ?= go

.PHONY: demo test test-go test-browser test-interop vet bench generate build

demo:
	$(GO) run ./cmd/seuil demo

build:
	$(GO) build -o bin/seuil ./cmd/seuil

vet:
	$(GO) vet ./...

test: vet test-go test-browser test-interop

test-go:
	$(GO) test -count=1 -timeout 15m ./...

test-browser:
	cd flows/e2e && npm ci --no-audit --no-fund --silent && node walk.mjs

test-interop:
	cd idp/provider/interop && npm ci --no-audit --no-fund --silent && node rp.mjs

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

generate:
	$(GO) generate ./...
