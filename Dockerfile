# jml: one static binary; the same image runs `jml worker` and `jml serve`.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/jml ./cmd/jml

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/jml /usr/local/bin/jml
COPY config/example.yaml /etc/jml/config.yaml
USER nonroot
ENTRYPOINT ["/usr/local/bin/jml"]
CMD ["worker", "--config", "/etc/jml/config.yaml"]
