#!/usr/bin/env bash
# The suite creates its databases in the machine's PostgreSQL (TEST_DATABASE_URL,
# default postgres://postgres@127.0.0.1:5432/postgres). Start it if it is down.
set -euo pipefail
if [[ -n "${TEST_DATABASE_URL:-}" ]]; then exit 0; fi
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
ready && exit 0
if ! command -v pg_ctlcluster >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends postgresql
fi
version="$(ls /etc/postgresql | sort -V | tail -1)"
pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
echo "ensure-postgres: PostgreSQL on 127.0.0.1:5432 did not come up" >&2
exit 1
