# maskserve: web app + HTTP API on port 8080.
#   docker build -t maskserve .
#   docker run -p 8080:8080 -v maskserve-models:/home/node/.cache/maskserve maskserve
# Behind a TLS-intercepting proxy, hand its CA to npm for the build only (never kept in the image):
#   docker build --secret id=extra-ca,src=/path/to/proxy-ca.pem -t maskserve .
# Without a pulled model the server runs the small demo model (shapes); for COCO objects run
#   docker run --rm -v maskserve-models:/home/node/.cache/maskserve maskserve node bin/maskserve.js models pull mask-rcnn-r50-fpn

# --- stage 1: build the browser UI (needs Vite, a dev dependency) ---
FROM node:20-bookworm-slim AS web
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=secret,id=extra-ca \
    if [ -s /run/secrets/extra-ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/extra-ca; fi \
 && npm ci --ignore-scripts --no-audit --no-fund
# The UI imports a few shared modules from src/ (class colours, COCO names).
COPY tsconfig.json ./
COPY src ./src
COPY web ./web
# The server falls back to its server-rendered page when there is no built UI.
RUN if [ -f web/index.html ]; then npx vite build web; else mkdir -p web/dist; fi

# --- stage 2: runtime ---
FROM node:20-bookworm-slim
# Fonts for the labels drawn on annotated images; CA certificates for URL inputs over https.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-dejavu-core ca-certificates \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    MASKSERVE_CACHE_DIR=/home/node/.cache/maskserve
WORKDIR /app

# tsx runs the TypeScript sources directly, and it is a runtime dependency, so --omit=dev suffices.
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=secret,id=extra-ca \
    if [ -s /run/secrets/extra-ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/extra-ca; fi \
 && npm ci --omit=dev --no-audit --no-fund && rm -rf /root/.npm \
 # onnxruntime-node ships CPU binaries for every OS and CPU (~220 MB); keep this image's only.
 && ort=node_modules/onnxruntime-node/bin/napi-v6 \
 && find "$ort" -mindepth 1 -maxdepth 1 ! -name linux -exec rm -rf {} + \
 && find "$ort/linux" -mindepth 1 -maxdepth 1 ! -name "$(node -p process.arch)" -exec rm -rf {} +

COPY bin ./bin
COPY src ./src
COPY models/demo ./models/demo
COPY --from=web /app/web/dist ./web/dist

# Never run as root; the model cache is the only place the server writes.
RUN mkdir -p "$MASKSERVE_CACHE_DIR" && chown -R node:node /home/node/.cache
USER node
VOLUME ["/home/node/.cache/maskserve"]

EXPOSE 8080
# No curl in the slim image: Node's fetch probes the liveness endpoint.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Node is PID 1 and handles SIGTERM itself: readiness off, in-flight requests finish, exit 0.
CMD ["node", "bin/maskserve.js", "serve"]
