# homthu application image: used by both the web and the worker service
# (docker-compose.yml). TypeScript runs through tsx, a runtime dependency,
# so there is no build step and dev dependencies are left out.
FROM node:20-slim

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/var

WORKDIR /app

# Dependencies first, so that code changes do not reinstall them.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# Only what runs (no tests, no .env, no local var/).
COPY tsconfig.json ./
COPY config ./config
COPY src ./src
COPY workers ./workers
COPY static ./static

# Run as the unprivileged user of the node image; it owns only DATA_DIR.
RUN mkdir -p /app/var && chown node:node /app/var
USER node

EXPOSE 3000
CMD ["npm", "run", "web"]
