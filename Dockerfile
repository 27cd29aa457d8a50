# syntax=docker/dockerfile:1
# Gatehouse's container image (docs/deployment.md, "Container").
#
#   docker build -t gatehouse .
#   docker run --rm -p 8080:8080 -v "$PWD/my-config:/etc/gatehouse:ro" gatehouse
#
# Three stages: `build` compiles the TypeScript with the dev dependencies, `deps` installs the
# production dependencies alone, and the final stage copies the output of both onto a slim base.

ARG NODE_VERSION=20

# The full Debian image has python3, make and g++: better-sqlite3 installs its prebuilt binary,
# and compiles itself when none matches. The final stage is the same Debian release (glibc), so
# the binary built or fetched here loads there.
FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:${NODE_VERSION}-bookworm AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only to the user that runs the gateway: it cannot change its own code.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/package.json ./
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
# The default configuration; mount a directory over /etc/gatehouse to use your own (a directory,
# not a single file, so that an edited file is seen and hot-reloaded).
COPY deploy/gatehouse.yaml /etc/gatehouse/gatehouse.yaml
# The image's `node` user, by number so that Kubernetes' runAsNonRoot can check it.
USER 1000:1000
# Data plane, admin plane (/health/*, /metrics: keep it private), token service.
EXPOSE 8080 9080 4000
STOPSIGNAL SIGTERM
# node, not curl (the slim image has none). GATEHOUSE_ADMIN_PORT is the variable the shipped
# configuration reads its admin port from, so the two agree.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.GATEHOUSE_ADMIN_PORT || 9080) + '/health/ready', { signal: AbortSignal.timeout(2500) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form, node itself: node is PID 1 and receives SIGTERM, and drains before it exits. A shell
# or npm in between would swallow the signal (docs/running.md).
ENTRYPOINT ["node", "--max-semi-space-size=32", "bin/gatehouse.js"]
CMD ["serve", "--config", "/etc/gatehouse/gatehouse.yaml"]
