# Raftoral as a container image: the single binary on a minimal base.
# Build from the repository root: docker build -t raftoral . (deploy/docker-compose.yml does
# that for you, and so does the QUICKSTART's docker-compose.yml with `build: .` at the root).

# Stage 1: Bun from npm, the locked dependencies, and `bun build --compile`.
FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN npm install --global --no-audit --no-fund bun@1.4.4
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile --production
COPY tsconfig.json ./
COPY proto ./proto
COPY src ./src
RUN bun build --compile --minify-whitespace --minify-syntax --bytecode src/cli/main.ts src/cli/command.ts --outfile /out/raftoral \
 && mkdir -p /out/data

# Stage 2: only the binary (it needs glibc and nothing else) and an empty data directory.
FROM gcr.io/distroless/base-nossl-debian12:nonroot
COPY --from=build /out/raftoral /usr/local/bin/raftoral
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
VOLUME ["/data"]
EXPOSE 7001
# The health check calls RAFTORAL_ADDRESS: set it to where the node listens when that is not
# gRPC on 7001, e.g. RAFTORAL_ADDRESS=http://127.0.0.1:8001 for --transport http.
ENV RAFTORAL_ADDRESS=127.0.0.1:7001
# JavaScriptCore's top JIT tier off, as the node would set it and relaunch itself: set here,
# the node starts once (docs/performance.md, "The JIT's top tier").
ENV BUN_JSC_useFTLJIT=0
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/raftoral", "node", "health"]
ENTRYPOINT ["/usr/local/bin/raftoral"]
CMD ["--help"]
