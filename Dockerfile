# Parley's image: built in one stage, run from a second that holds only the compiled
# server, its production dependencies and the migrations, as the unprivileged `node` user.
FROM node:20.20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json tsconfig.client.json ./
RUN npm ci
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20.20-bookworm-slim
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0 DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
# The console's and the demo's pages (src/http/routes/pages.ts); they load dist/client.
COPY public ./public
# The embedded default keeps its database here (unused when DATABASE_URL is set).
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 8080
# Healthy when every store behind the node answers (GET /health).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM: devices are told to reconnect elsewhere and the node stops within seconds.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
