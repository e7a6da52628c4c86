#!/usr/bin/env bash
# Idle and peak RSS of the web process, run from dist/ (node) or through tsx.
# Usage: scripts/measure-rss.sh dist|tsx   (needs DATABASE_URL, REDIS_URL, SECRET_KEY; run `npm run build` first for dist)
# Idle: VmRSS 10 s after /healthz answers. Peak: VmHWM after 400 page requests (8 at a time).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mode=${1:?dist or tsx}
port=${PORT:-3999}
if [[ $mode == dist ]]; then cmd=(node --max-semi-space-size=8 dist/src/launch.cjs web); else cmd=(node --import tsx src/main.ts web); fi
NODE_ENV=production PORT=$port HOST=127.0.0.1 "${cmd[@]}" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.5; done
sleep 10
idle=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
seq 400 | xargs -P 8 -I{} sh -c "curl -s -o /dev/null http://127.0.0.1:$port/ ; curl -s -o /dev/null http://127.0.0.1:$port/staff/login; curl -s -o /dev/null 'http://127.0.0.1:$port/follow-up?lang=en'"
peak=$(awk '/VmHWM/{print $2}' "/proc/$pid/status")
echo "$mode: idle RSS $((idle / 1024)) MB, peak RSS $((peak / 1024)) MB"
