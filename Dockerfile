# isagate container image: build with the Rust toolchain, run on a slim Debian as a
# non-root user. Used by docker-compose.yml for the gateways, the one-shot `certs`
# service and the mock agency upstreams.

FROM rust:1-bookworm AS build
WORKDIR /src
# The whole workspace (see .dockerignore): the manifest names test and bench targets,
# and cargo wants their files to exist even for `build`.
COPY . .
RUN cargo build --release --locked --bin isagate \
 && strip target/release/isagate

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/isagate --create-home isagate \
 && mkdir -p /certs /etc/isagate \
 && chown isagate:isagate /certs /var/lib/isagate
COPY --from=build /src/target/release/isagate /usr/local/bin/isagate
USER isagate:isagate
WORKDIR /var/lib/isagate
# transfer (mTLS), admin (mTLS, governance), ops (plain HTTP: health, readiness, metrics)
EXPOSE 8443 9443 9090
# Logs are JSON when not on a terminal; ISAGATE_LOG sets the filter.
ENV ISAGATE_LOG=info
ENTRYPOINT ["isagate"]
CMD ["serve", "--config", "/etc/isagate/isagate.toml"]
