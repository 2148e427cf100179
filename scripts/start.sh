#!/usr/bin/env bash
# One command from a fresh machine to a running provisioner on its embedded
# defaults: http://localhost:8080, PostgreSQL inside ./data (DATA_DIR).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
exec npm start --silent
