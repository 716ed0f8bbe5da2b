# zdr-egress container image: multi-stage, Node 20 slim pinned by exact version, production
# dependencies only, non-root, read-only root filesystem friendly (writes only to /app/data, /tmp and,
# when the CA is created on first start, /app/certs). Configuration comes from ZDR_EGRESS_* env.
# Run it and the Kubernetes manifests: docs/operations.md.

# ---- build: compile TypeScript and the better-sqlite3 native addon, then drop dev dependencies
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
# npm ci also runs the `prepare` script (tsc); the explicit build keeps the step readable.
RUN npm ci --no-audit --no-fund \
 && npm run build \
 && npm prune --omit=dev

# ---- runtime
FROM node:20.20.2-bookworm-slim
LABEL org.opencontainers.image.title="zdr-egress" \
      org.opencontainers.image.description="AI egress proxy enforcing zero-data-retention policy" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production \
    ZDR_EGRESS_LISTEN=0.0.0.0:8080 \
    ZDR_EGRESS_ADMIN=0.0.0.0:8081 \
    ZDR_EGRESS_POLICIES=/app/policies \
    ZDR_EGRESS_CERTS=/app/certs \
    ZDR_EGRESS_DATA=/app/data
# The runtime needs node only: remove npm, npx, corepack and yarn so the image carries no package
# manager (smaller attack surface; nothing here installs at run time).
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# package.json carries "type": "module", without which node cannot load dist/ as ESM.
COPY package.json ./
# The shipped default policies; Kubernetes mounts a ConfigMap over /app/policies instead.
COPY policies ./policies
# certs/ holds the CA key (mode 0600, never baked into the image); data/ the decision log. Everything
# else under /app stays root-owned and read-only for the process.
RUN mkdir -p /app/certs /app/data && chown -R 1000:1000 /app/certs /app/data && chmod 0700 /app/certs
# uid 1000 is the base image's `node` user; numeric so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
VOLUME ["/app/certs", "/app/data"]
EXPOSE 8080 8081
# Probes the admin port named by ZDR_EGRESS_ADMIN (default 8081) on loopback. Kubernetes ignores
# HEALTHCHECK and uses the Deployment's probes instead.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const a=process.env.ZDR_EGRESS_ADMIN||'';const p=a.slice(a.lastIndexOf(':')+1)||'8081';fetch('http://127.0.0.1:'+p+'/healthz',{signal:AbortSignal.timeout(2500)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# `ulimit -c 0` turns core dumps off (a core file is a copy of memory, request content included);
# exec makes node PID 1 so that SIGTERM reaches it and starts the drain. Arguments (CMD, or those given
# to `docker run IMAGE ...`) pass through as "$@". The admin port serves report endpoints only with
# ZDR_EGRESS_ADMIN_TOKEN when it is not bound to loopback.
ENTRYPOINT ["/bin/sh", "-c", "ulimit -c 0 && exec node dist/cli/index.js \"$@\"", "zdr-egress"]
CMD ["start"]
