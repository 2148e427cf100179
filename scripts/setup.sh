#!/usr/bin/env bash
# Installs everything the provisioner and its tests need on a Debian machine
# that has only Node 20 + npm: Debian packages, npm dependencies (which bring
# Node 24 as node_modules/.bin/node) and Debian trixie's iPXE binaries.
# Safe to run again: each step skips work that is already done.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [[ $(id -u) -eq 0 ]]; then
  bash scripts/install-debian-packages.sh
else
  echo "setup: not root; skipping Debian packages (run scripts/install-debian-packages.sh as root)" >&2
fi

# npm ci only when the lock file changed since the last install: it wipes node_modules.
stamp="node_modules/.setup-lock-sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ ! -x node_modules/.bin/node || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
echo "setup: node $(node_modules/.bin/node --version) in node_modules/.bin"

bash scripts/fetch-ipxe.sh

# The web console (console/ → console/dist, served by `serve` at /): rebuilt only when its
# sources, the shared domain lists it imports or the lock file changed.
console_stamp="console/dist/.build-sha256"
console_want="$(cat package-lock.json console/index.html console/vite.config.ts \
  $(find console/src src/domain -type f | LC_ALL=C sort) | sha256sum | cut -d' ' -f1)"
if [[ ! -f console/dist/index.html || "$(cat "$console_stamp" 2>/dev/null)" != "$console_want" ]]; then
  npm run --silent console:build
  echo "$console_want" >"$console_stamp"
fi
echo "setup: web console in console/dist"
