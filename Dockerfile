# One image for every app process (worker, api, sandbox); docker-compose.yml picks the process
# by command: `npx tsx worker/main.ts`, `npx tsx api/main.ts`, `npx tsx sandbox/main.ts`.
FROM node:20-bookworm-slim

WORKDIR /app

# Nothing is downloaded at install or run time:
# - `npm ci --ignore-scripts` skips the root postinstall (scripts/setup-servers.mjs, which pip-installs
#   the local Temporal/NATS dev servers: the stack runs the real ones as their own containers) and the
#   dependencies' install scripts (esbuild, @swc/core and the Temporal core bridge ship their native
#   binaries as packages; protobufjs's script is a version check).
# - devDependencies (vitest, typescript, linters) are left out: tsx is a runtime dependency.
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false \
    NPM_CONFIG_IGNORE_SCRIPTS=true

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts \
    && npm cache clean --force

COPY --chown=node:node . .
RUN mkdir -p /app/.data && chown node:node /app/.data

# At run time npx must use the tsx in node_modules and never fetch a package: `yes=false` makes
# npx fail instead of installing anything missing, and `offline` keeps npm off the network.
ENV NPM_CONFIG_YES=false \
    NPM_CONFIG_OFFLINE=true \
    API_HOST=0.0.0.0 \
    DATA_DIR=/app/.data

USER node
EXPOSE 8080 8090
CMD ["npx", "tsx", "api/main.ts"]
