# homthu application image: used by both the web and the worker service
# (docker-compose.yml). Two stages: the first installs every dependency and
# compiles TypeScript to dist/ (`npm run build`); the second ships only dist/,
# the production dependencies and the static files — no compiler, no tsx, no
# tests, no sources.

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/copy-assets.mjs ./scripts/
COPY config ./config
COPY src ./src
COPY workers ./workers
COPY static ./static
RUN npm run build

FROM node:20-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/var
WORKDIR /app

# Dependencies first, so that code changes do not reinstall them.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# dist/ holds the compiled code and, copied beside it, the views, locales,
# migrations, config data (common passwords, units) and static files.
COPY --from=build /app/dist ./dist

# Run as the unprivileged user of the node image; it owns only DATA_DIR.
RUN mkdir -p /app/var && chown node:node /app/var
USER node

EXPOSE 3000
CMD ["node", "--max-semi-space-size=8", "dist/src/launch.cjs", "web"]
