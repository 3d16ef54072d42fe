# syntax=docker/dockerfile:1
# One image for every part of the mesh; the command picks the entry point, e.g.
#   docker run flight-mesh:local services/schedule/main.ts      (see docker-compose.yml)
# ENTRYPOINT + command is exactly `npm run start:<name>` (package.json), which
# test/deploy/compose.test.ts checks. The image runs the tsc output (dist/js): it holds no
# TypeScript sources, so scripts/start.mjs always picks the compiled entry.

# --- build: install everything, generate the contract code and descriptor sets -------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY buf.yaml buf.gen.yaml ./
COPY proto ./proto
RUN npm run generate
# The processes, compiled: tsc into dist/js, with the files they read at run time beside them.
COPY tsconfig.json tsconfig.build.json ./
COPY platform ./platform
COPY flights ./flights
COPY services ./services
COPY bff ./bff
COPY identity ./identity
COPY edge ./edge
COPY scripts/compiled.mjs scripts/build.mjs ./scripts/
RUN node scripts/build.mjs
# The web front end: static files the BFF serves at / (bff/web.ts).
COPY web ./web
COPY scripts/web-build.ts ./scripts/web-build.ts
RUN npm run build:web

# --- production dependencies only ----------------------------------------------------------
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

# --- runtime: non-root, compiled JavaScript (the same way as `npm start`) ------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
# The memory settings `npm start` gives every process (scripts/process-tuning.ts says why);
# docker-compose.yml gives the read path's processes their larger young generation.
ENV NODE_OPTIONS="--max-semi-space-size=4 --v8-pool-size=1" \
    MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=131072 MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/gen ./gen
COPY package.json ./
COPY --from=build /app/dist/js ./dist/js
COPY --from=build /app/dist/web ./dist/web
COPY scripts/start.mjs scripts/compiled.mjs ./scripts/
COPY scripts/healthcheck.mjs ./scripts/healthcheck.mjs
RUN mkdir -p /app/data && chown -R node:node /app/data
USER node
# schedule, pricing, search, booking (gRPC), the BFF and identity (HTTP); PORT picks one per
# container.
EXPOSE 50051 50052 50053 50054 3000 3001
ENTRYPOINT ["node", "scripts/start.mjs"]
CMD ["services/schedule/main.ts"]
