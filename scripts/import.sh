#!/usr/bin/env bash
# Imports a file of rows into a running Cdp (POST /api/imports), showing a progress bar, then the import's summary.
#
# Usage: scripts/import.sh FILE [--source ID] [--id ID] [--url URL]
#   FILE      NDJSON (one Segment message per line) or CSV with a header (by extension: .csv, .csv.gz, else NDJSON);
#             a .gz file is sent compressed as it is.
#   --source  the source the rows come from (default: dev, the source scripts/dev.sh configures)
#   --id      the import's id (default: the file's name and size); run the script again with the same id to resume
#             an import that was cut off: rows already done are skipped, and a finished import changes nothing.
#   --url     Cdp's address (default: $CDP_URL, else http://127.0.0.1:7071)
# The admin token is $CDP_ADMIN_TOKEN, else the file admin-token in $CDP_DATA_DIR (default .cdp/), as scripts/dev.sh
# keeps it. In the cloud, set CDP_URL to the Function App and CDP_FUNCTION_KEY to one of its keys instead.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

file="" source="dev" id="" url="${CDP_URL:-http://127.0.0.1:7071}"
while [ $# -gt 0 ]; do
  case "$1" in
    --source) source="$2"; shift 2 ;;
    --id) id="$2"; shift 2 ;;
    --url) url="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) [ -z "$file" ] || { echo "import.sh: one file at a time ($file, $1)" >&2; exit 2; }; file="$1"; shift ;;
  esac
done
[ -n "$file" ] || { echo "Usage: scripts/import.sh FILE [--source ID] [--id ID] [--url URL]" >&2; exit 2; }
[ -f "$file" ] || { echo "import.sh: no file $file" >&2; exit 2; }
command -v curl >/dev/null || { echo "import.sh: needs curl" >&2; exit 2; }

name=$(basename "$file")
size=$(wc -c <"$file" | tr -d ' ')
if [ -z "$id" ]; then
  id=$(printf '%s-%s' "${name%%.*}" "$size" | tr -c 'A-Za-z0-9_\n-' '_' | cut -c1-64)
fi

headers=()
case "$name" in
  *.csv|*.csv.gz) headers+=(-H "Content-Type: text/csv") ;;
  *) headers+=(-H "Content-Type: application/x-ndjson") ;;
esac
case "$name" in *.gz) headers+=(-H "Content-Encoding: gzip") ;; esac
if [ -n "${CDP_FUNCTION_KEY:-}" ]; then
  headers+=(-H "x-functions-key: $CDP_FUNCTION_KEY")
else
  token="${CDP_ADMIN_TOKEN:-$(cat "${CDP_DATA_DIR:-$ROOT/.cdp}/admin-token" 2>/dev/null || true)}"
  [ -n "$token" ] || { echo "import.sh: no admin token (set CDP_ADMIN_TOKEN, or run scripts/dev.sh first)" >&2; exit 2; }
  headers+=(-H "Authorization: Bearer $token" -H "X-Cdp-Actor: import.sh")
fi

reply=$(mktemp)
trap 'rm -f "$reply"' EXIT
echo "Importing $file ($size bytes) as import '$id' of source '$source' into $url" >&2
status=$(curl --progress-bar --show-error -X POST -T "$file" "${headers[@]}" \
  -o "$reply" -w '%{http_code}' "$url/api/imports?id=$id&source=$source") || {
  echo "import.sh: the upload was cut off; run the same command again to resume import '$id'." >&2
  exit 1
}
if [ "$status" != 200 ]; then
  echo "import.sh: HTTP $status" >&2
  cat "$reply" >&2; echo >&2
  exit 1
fi
if command -v python3 >/dev/null; then
  python3 - "$reply" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"Import '{s['id']}': {s['rowsRead']} rows read, {s['accepted']} accepted, {s['rejected']} rejected, {s['skipped']} skipped ({s['state']}).")
for r in s.get('rejections', []):
    print(f"  line {r['line']}: {r['reason']}")
if s['rejected'] > len(s.get('rejections', [])):
    print(f"  … and {s['rejected'] - len(s['rejections'])} more: each is a dead letter (GET /api/deadletters?stage=collect).")
PY
else
  cat "$reply"; echo
fi
