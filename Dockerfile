# One image for every app process (worker, api, sandbox); docker-compose.yml picks the process by
# command: `node dist/worker/main.js`, `node dist/api/main.js`, `node dist/sandbox/main.js`.
# Built in two stages: the first compiles TypeScript and prebuilds the workflow bundle
# (`npm run build`); the second holds only production dependencies and dist/, so a process starts
# with no TypeScript loader and the worker with no bundling (it loads dist/workflow-bundle.js).

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Nothing is downloaded at install time: `--ignore-scripts` skips the root postinstall
# (scripts/setup-servers.mjs, which pip-installs the local Temporal/NATS dev servers: the stack runs
# the real ones as their own containers) and the dependencies' install scripts (esbuild, @swc/core
# and the Temporal core bridge ship their native binaries as packages; protobufjs's is a version check).
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false NPM_CONFIG_IGNORE_SCRIPTS=true
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false \
    NPM_CONFIG_IGNORE_SCRIPTS=true
# devDependencies (vitest, typescript, linters) are left out.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts \
    && npm cache clean --force
COPY --from=build --chown=node:node /app/dist ./dist
RUN mkdir -p /app/.data && chown node:node /app/.data
ENV API_HOST=0.0.0.0 \
    DATA_DIR=/app/.data
USER node
EXPOSE 8080 8090
CMD ["node", "dist/api/main.js"]
