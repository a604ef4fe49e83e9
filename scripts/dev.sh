#!/usr/bin/env bash
# Runs the whole CDP on this machine: the HTTP API, ingest, the profile change feed and journeys, over
# the embedded SQLite store in $CDP_DATA_DIR (default .cdp/). No cloud account, no Docker.
# Extra arguments go to the app (e.g. --urls http://127.0.0.1:8080). Stop with Ctrl+C.
source "$(dirname "$0")/common.sh"
cd "$ROOT"
require_dotnet
command -v curl >/dev/null 2>&1 || apt_install curl

export CDP_DATA_DIR="${CDP_DATA_DIR:-$ROOT/.cdp}"

# The `dev` source: its write key is $CDP_WRITE_KEY, else one generated on the first run and kept in the
# data folder. Only its SHA-256 reaches the app's configuration.
key_file="$CDP_DATA_DIR/dev-write-key"
if [ -n "${CDP_WRITE_KEY:-}" ]; then
  write_key="$CDP_WRITE_KEY"
else
  if [ ! -s "$key_file" ]; then
    mkdir -p "$CDP_DATA_DIR"
    (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=\n' > "$key_file")
  fi
  write_key="$(cat "$key_file")"
fi
export Cdp__Sources__0__Id=dev
export Cdp__Sources__0__Name="Local development"
export Cdp__Sources__0__WriteKeySha256="$(printf '%s' "$write_key" | sha256sum | cut -d' ' -f1)"
url="${ASPNETCORE_URLS:-http://127.0.0.1:7071}"
for ((i = 1; i <= $#; i++)); do
  if [ "${!i}" = "--urls" ]; then j=$((i + 1)); url="${!j}"; fi
done
url="${url%%;*}"

echo "==> Building the web console and Cdp.Local"
build_console
dotnet build functions/Cdp.Local/Cdp.Local.csproj -c Release --nologo -v quiet -clp:NoSummary

echo "==> Starting Cdp at $url (data in $CDP_DATA_DIR)"
dotnet run --project functions/Cdp.Local/Cdp.Local.csproj -c Release --no-build --no-launch-profile -- "$@" &
app=$!
trap 'kill "$app" 2>/dev/null; wait "$app" 2>/dev/null' INT TERM EXIT

for _ in $(seq 1 120); do
  if curl -fs "$url/api/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$app" 2>/dev/null; then echo "Cdp.Local exited during start." >&2; exit 1; fi
  sleep 0.5
done

admin_token="${CDP_ADMIN_TOKEN:-$(cat "$CDP_DATA_DIR/admin-token" 2>/dev/null || true)}"

cat <<MSG

Cdp is running at $url
The console is at $url/ (sign in with the admin token below); the API reference at $url/api/reference
The write key of the 'dev' source is: $write_key  (collects only)
The admin token is: $admin_token  (everything else: Authorization: Bearer …; set CDP_ADMIN_TOKEN to choose it)

  curl -s -u '$write_key:' $url/api/v1/track    -H 'Content-Type: application/json' \\
       -d '{"anonymousId":"anon-1","event":"Viewed Page"}'
  curl -s -u '$write_key:' $url/api/v1/identify -H 'Content-Type: application/json' \\
       -d '{"anonymousId":"anon-1","userId":"user-1","traits":{"email":"ada@example.com"}}'
  curl -s -H 'Authorization: Bearer $admin_token' '$url/api/profiles?identifier=user_id:user-1'

Segments and journeys: docs/segments.md, docs/journeys.md. Journey webhooks are signed (HMAC-SHA256) with
the key in $CDP_DATA_DIR/webhook-signing-key (set Cdp__Journeys__WebhookSecret to use your own).
Privacy (erasure, audit): docs/privacy.md. Personal traits are encrypted with keys wrapped by
$CDP_DATA_DIR/master-key: back it up with the database.

Press Ctrl+C to stop. Data stays in $CDP_DATA_DIR.
MSG
wait "$app"
