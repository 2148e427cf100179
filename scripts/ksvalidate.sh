#!/usr/bin/env bash
# Validates every kickstart of docs/tutorial.md with pykickstart's ksvalidator.
#
# The kickstarts are the `cat > NAME.ks <<EOF … EOF` heredocs of the tutorial; they are
# expanded with sample values for the variables the tutorial fills in, so what is checked
# is the file a reader's shell would write.
#
# ksvalidator comes from, in this order: the PATH; a pykickstart source tree named by
# PYKICKSTART_SRC (tools/ksvalidator.py run with that tree on PYTHONPATH; it needs
# python3-requests); or `pip install pykickstart` into a private venv when PyPI is
# reachable. pykickstart is not packaged in Debian bookworm.
#
# Usage: scripts/ksvalidate.sh [KICKSTART_SYNTAX_VERSION]   (default RHEL9)
# Exit status: 0 all valid, 1 a kickstart is invalid (or none found), 2 no ksvalidator.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
tutorial="$repo/docs/tutorial.md"
syntax="${1:-RHEL9}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

ksvalidator=()
if command -v ksvalidator > /dev/null; then
  ksvalidator=(ksvalidator)
elif [[ -n "${PYKICKSTART_SRC:-}" ]]; then
  [[ -f "$PYKICKSTART_SRC/tools/ksvalidator.py" ]] ||
    { echo "ksvalidate: no tools/ksvalidator.py in $PYKICKSTART_SRC" >&2; exit 2; }
  ksvalidator=(env "PYTHONPATH=$PYKICKSTART_SRC" python3 "$PYKICKSTART_SRC/tools/ksvalidator.py")
else
  if ! python3 -m venv "$work/venv" ||
    ! "$work/venv/bin/pip" install --quiet --retries 1 --timeout 15 pykickstart; then
    echo "ksvalidate: pykickstart could not be installed (no PyPI?); set PYKICKSTART_SRC to a source tree" >&2
    exit 2
  fi
  ksvalidator=("$work/venv/bin/ksvalidator")
fi

# Sample values for what the tutorial's earlier steps export.
export SITE=home.example PUBLIC_URL=http://192.0.2.10:8080
export PRE_ID=1 POST_ID=2 SSHKEY_ID=3

# Each heredoc body into its own file, expanded as the tutorial's shell expands it.
count=0
while IFS= read -r name; do
  body="$(awk -v name="$name" '
    $0 == "cat > " name " <<EOF" { inside = 1; next }
    inside && $0 == "EOF" { exit }
    inside { print }
  ' "$tutorial")"
  bash -c "cat <<EOF
$body
EOF" > "$work/$name"
  count=$((count + 1))
  echo "ksvalidate: $name (syntax $syntax)"
  "${ksvalidator[@]}" -v "$syntax" "$work/$name"
done < <(sed -n 's/^cat > \([A-Za-z0-9._-]*\.ks\) <<EOF$/\1/p' "$tutorial")

if ((count == 0)); then
  echo "ksvalidate: no kickstart heredoc (cat > NAME.ks <<EOF) in $tutorial" >&2
  exit 1
fi
echo "ksvalidate: $count kickstart(s) valid"
