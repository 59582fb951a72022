# Crane: multi-stage build, slim non-root runtime.
# Build:  docker build -t crane .
# Run:    docker run -p 8080:8080 -e DATABASE_URL=postgres://crane:…@db/crane crane

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# Dependencies first, so code changes do not rebuild them.
COPY Cargo.toml Cargo.lock ./
COPY migrations/Cargo.toml migrations/Cargo.toml
RUN mkdir -p src migrations/src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs migrations/src/lib.rs \
 && cargo build --release --locked --bin crane || true
COPY . .
RUN touch src/main.rs src/lib.rs migrations/src/lib.rs && cargo build --release --locked --bin crane

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /app crane
WORKDIR /app
COPY --from=build /src/target/release/crane /usr/local/bin/crane
COPY config/ /app/config/
COPY migrations/ /app/migrations/
RUN mkdir -p /app/data && chown crane /app/data
USER crane
ENV CRANE_CONFIG=/app/config/production.toml
EXPOSE 8080
# Probe GET /healthz from the orchestrator (it answers when the database does).
# DATABASE_URL comes from the environment (postgres://… in production).
ENTRYPOINT ["/usr/local/bin/crane"]
CMD ["serve"]
