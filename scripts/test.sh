#!/usr/bin/env bash
# One command from a fresh machine to the whole suite: set-up, type check,
# lint, then every test against real PostgreSQL, processes and files.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
bash scripts/ensure-postgres.sh

npm run --silent typecheck
npm run --silent lint

mkdir -p .tmp
status=0
npx vitest run --reporter=default --reporter=json --outputFile=.tmp/vitest.json || status=$?
node_modules/.bin/node -e '
  const r = JSON.parse(require("fs").readFileSync(".tmp/vitest.json", "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' || true

# The tutorial's kickstarts through pykickstart's ksvalidator. pykickstart is not in
# Debian; where neither PyPI nor a source tree (PYKICKSTART_SRC) is at hand, the check
# cannot run, and the summary says so instead of passing silently.
ks=0
bash scripts/ksvalidate.sh || ks=$?
if ((ks == 2)); then
  echo "ksvalidate: NOT RUN (no ksvalidator: PyPI unreachable and PYKICKSTART_SRC unset)"
elif ((ks != 0)); then
  status=$ks
fi
exit "$status"
