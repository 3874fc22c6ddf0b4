# syntax=docker/dockerfile:1
# The production image: Node 24 LTS (slim Debian), only the standalone server, run as a non-root
# user. Build: docker build -t azure-streaming-chat .
# Run:   docker run -p 3000:3000 -e AZURE_RESOURCE_NAME=… -e AZURE_API_KEY=… -e AZURE_DEPLOYMENTS=… azure-streaming-chat
# The settings are read at run time (lib/config), so one image serves every environment.

FROM node:24-slim AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
# Dependencies first, from the lockfile exactly, so this layer is reused until the lockfile changes.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# `next build` plus scripts/assemble-standalone.mjs: .next/standalone is the whole server
# (server.js, the traced node_modules, .next/static, public), the same folder CI tests.
RUN npm run build

FROM node:24-slim AS runtime
WORKDIR /app
# HOSTNAME: listen on every interface of the container (Docker sets it to the container id).
# NODE_OPTIONS: the young generation `npm start` gives the server (a smaller one than V8 picks
# on a large machine keeps a streaming server's memory near its live data; README, Performance).
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    HOSTNAME=0.0.0.0 \
    NODE_OPTIONS=--max-semi-space-size=16
# The image's unprivileged `node` user owns nothing it could rewrite: the files stay root's.
COPY --from=build /app/.next/standalone ./
USER node
EXPOSE 3000
# Liveness: answers 200 when configured, 503 while misconfigured or draining after SIGTERM.
# No curl in the slim image; Node's fetch does it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself, so replies in flight can finish
# (SHUTDOWN_GRACE_MS, default 25 s; give the platform's stop timeout a few seconds more).
STOPSIGNAL SIGTERM
CMD ["node", "server.js"]
