#!/usr/bin/env bash
# A longer run of the property-based fuzz test than CI's fixed seed and count.
# Usage: bash scripts/fuzz.sh [runs] [seed]   (defaults: 2000 runs, a random seed)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-2000}"
seed="${2:-$RANDOM}"
echo "fuzz: ${runs} runs per property (x4 for GraphQL mutations), seed ${seed}"
FUZZ_RUNS="$runs" FUZZ_SEED="$seed" npx vitest run tests/fuzz/hostile-input.test.ts --testTimeout=3600000
