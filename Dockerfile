# syntax=docker/dockerfile:1
# One image for every part of the mesh; the command picks the entry point, e.g.
#   docker run flight-mesh:local services/schedule/main.ts      (see docker-compose.yml)
# ENTRYPOINT + command is exactly `npm run start:<name>` (package.json), which
# test/deploy/compose.test.ts checks.

# --- build: install everything, generate the contract code and descriptor sets -------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY buf.yaml buf.gen.yaml ./
COPY proto ./proto
RUN npm run generate
# The web front end: static files the BFF serves at / (bff/web.ts).
COPY tsconfig.json ./
COPY web ./web
COPY scripts/web-build.ts ./scripts/web-build.ts
RUN npm run build:web

# --- production dependencies only ----------------------------------------------------------
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

# --- runtime: non-root, source run by tsx (the same way as `npm start`) --------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/gen ./gen
COPY package.json tsconfig.json ./
COPY platform ./platform
COPY flights ./flights
COPY services ./services
COPY bff ./bff
COPY identity ./identity
COPY --from=build /app/dist/web ./dist/web
COPY scripts/healthcheck.mjs ./scripts/healthcheck.mjs
RUN mkdir -p /app/data && chown -R node:node /app/data
USER node
# schedule, pricing, search, booking (gRPC), the BFF and identity (HTTP); PORT picks one per
# container.
EXPOSE 50051 50052 50053 50054 3000 3001
ENTRYPOINT ["node", "--import", "tsx", "--import", "./platform/telemetry/register.ts"]
CMD ["services/schedule/main.ts"]
