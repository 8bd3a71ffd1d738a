# Seuil: one static binary on a distroless base (no shell, non-root),
# the image the Helm chart (charts/seuil) runs with a read-only root.
#
#   docker build -t seuil --build-arg VERSION=$(git describe --always) .

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# CGO off: a static binary that runs on distroless/static; go-ora and pgx
# are pure Go.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/seuil ./cmd/seuil

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/seuil /usr/local/bin/seuil
USER 65532:65532
EXPOSE 8080 9090
ENTRYPOINT ["/usr/local/bin/seuil"]
CMD ["serve", "--config", "/etc/seuil/seuil.yaml"]
