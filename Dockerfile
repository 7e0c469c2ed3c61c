# unishare: multi-stage build. rustls only, so the runtime image needs no OpenSSL.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin unishare

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 unishare
COPY --from=build /src/target/release/unishare /usr/local/bin/unishare
USER unishare
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["unishare"]
CMD ["serve", "--config", "/etc/unishare/unishare.toml"]
