# syntax=docker/dockerfile:1
# The status image: `status` built on Debian 12 and run on distroless cc-debian12 (the same
# glibc, plus libgcc and CA certificates; no shell, no package manager) as uid 65532.
#
#   docker build -t registry.example.com/status:0.1.0 .
#   docker run --rm --env-file status.env -v status-work:/work registry.example.com/status:0.1.0
#
# The binary is glibc-linked, not static: no musl toolchain is part of this build.
# config/kubernetes-cronjob.yaml runs this image; tests/container.rs keeps the two in step
# (binary path, working directory and STATUS_OUTPUT, user).

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin status \
    && cp target/release/status /status \
    && mkdir /work

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /status /usr/local/bin/status
# status.json, its temporary file and the run lock live here (STATUS_OUTPUT); mount a volume
# on it to keep them between runs. Owned by the user the program runs as.
COPY --from=build --chown=65532:65532 /work /work
WORKDIR /work
ENV STATUS_OUTPUT=/work/status.json
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/status"]
CMD ["generate", "--upload"]
