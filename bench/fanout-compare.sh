#!/usr/bin/env bash
# Subscription fan-out, this checkout beside a baseline commit, in one run:
# the same bench/fanout.ts (copied from here) starts the baseline's serve
# processes, then this checkout's. Prints two JSON results, baseline first.
# Usage: bash bench/fanout-compare.sh BASELINE_COMMIT [fanout.ts arguments…]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
baseline="${1:?usage: fanout-compare.sh BASELINE_COMMIT [args…]}"
shift
work="$(mktemp -d /tmp/fanout-baseline.XXXXXX)"
cleanup() {
  git -C "$root" worktree remove --force "$work/tree" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
git -C "$root" worktree add --quiet --detach "$work/tree" "$baseline"
ln -s "$root/node_modules" "$work/tree/node_modules"
ln -s "$root/vendor" "$work/tree/vendor"
mkdir -p "$work/tree/console"
cp -a "$root/console/dist" "$work/tree/console/"
cp "$root/bench/fanout.ts" "$root/bench/replica-cluster.ts" "$work/tree/bench/"
# The bench's own helpers, as they are here (the baseline may predate them).
cp "$root/tests/helpers/gql.ts" "$root/tests/helpers/serve-process.ts" "$root/tests/helpers/free-port.ts" "$work/tree/tests/helpers/"
node="$root/node_modules/.bin/node"
echo "# baseline $(git -C "$root" rev-parse --short "$baseline")"
(cd "$work/tree" && "$node" bench/fanout.ts "$@")
echo "# this checkout $(git -C "$root" rev-parse --short HEAD)"
(cd "$root" && "$node" bench/fanout.ts "$@")
