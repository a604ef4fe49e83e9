#!/usr/bin/env bash
# Load benchmark (not a test): requests/s of POST /api/v1/batch (20 messages each) on Cdp.Local against a
# bare Kestrel endpoint that only parses the same JSON, both on loopback, one after the other in one run.
# Writes the results to docs/performance.md. Usage: scripts/bench.sh [seconds per run, default 20]
source "$(dirname "$0")/common.sh"
cd "$ROOT"
require_dotnet
command -v wrk >/dev/null 2>&1 || apt_install wrk
command -v curl >/dev/null 2>&1 || apt_install curl

duration="${1:-20}"
connections=32
cdp_port=7181
bare_port=7182
write_key="bench-write-key"
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "==> Building (Release)"
dotnet build functions/Cdp.Local/Cdp.Local.csproj -c Release --nologo -v quiet -clp:NoSummary
dotnet build scripts/bench/Cdp.Bench.Bare/Cdp.Bench.Bare.csproj -c Release --nologo -v quiet -clp:NoSummary

echo "==> Starting Cdp.Local (fresh data folder, a source without a practical request limit) and the bare endpoint"
CDP_DATA_DIR="$work/data" \
  Logging__LogLevel__Default=Warning \
  Cdp__Sources__0__Id=bench \
  Cdp__Sources__0__WriteKeySha256="$(printf '%s' "$write_key" | sha256sum | cut -d' ' -f1)" \
  Cdp__Sources__0__RequestsPerSecond=1000000 \
  Cdp__Sources__0__Burst=1000000 \
  dotnet functions/Cdp.Local/bin/Release/net10.0/Cdp.Local.dll --urls "http://127.0.0.1:$cdp_port" >"$work/cdp.log" 2>&1 &
pids+=($!)
dotnet scripts/bench/Cdp.Bench.Bare/bin/Release/net10.0/Cdp.Bench.Bare.dll --urls "http://127.0.0.1:$bare_port" >"$work/bare.log" 2>&1 &
pids+=($!)
for port in $cdp_port $bare_port; do
  for _ in $(seq 1 120); do
    curl -fs -o /dev/null -X POST -u "$write_key:" -H 'Content-Type: application/json' \
      -d '{"batch":[{"type":"track","userId":"warmup","event":"Warm"}]}' "http://127.0.0.1:$port/api/v1/batch" && break
    sleep 0.5
  done
done

# Each request: a batch of 20 track/identify messages with fresh message ids, as analytics-node sends them.
cat >"$work/batch.lua" <<'LUA'
local counter = 0
local auth = "Basic " .. os.getenv("BENCH_AUTH")
request = function()
  counter = counter + 1
  local parts = {}
  for i = 1, 20 do
    local id = string.format("%d-%d-%d", math.random(1, 1000000000), counter, i)
    if i == 1 then
      parts[i] = string.format('{"type":"identify","messageId":"%s","userId":"user-%d","anonymousId":"anon-%d","traits":{"email":"user-%d@example.com","plan":"pro"},"context":{"library":{"name":"analytics-node","version":"6.2.0"}}}', id, counter % 5000, counter % 5000, counter % 5000)
    else
      parts[i] = string.format('{"type":"track","messageId":"%s","userId":"user-%d","event":"Product Viewed","properties":{"sku":"SKU-%d","price":19.99,"currency":"EUR"},"context":{"library":{"name":"analytics-node","version":"6.2.0"},"page":{"url":"https://shop.example/p/%d"}},"timestamp":"2026-11-28T09:00:00Z"}', id, counter % 5000, i, i)
    end
  end
  local body = '{"batch":[' .. table.concat(parts, ",") .. '],"sentAt":"2026-11-28T09:00:01Z"}'
  return wrk.format("POST", "/api/v1/batch", { ["Content-Type"] = "application/json", ["Authorization"] = auth }, body)
end
LUA
export BENCH_AUTH="$(printf '%s:' "$write_key" | base64 -w0)"

run() {
  wrk -t2 -c"$connections" -d"${duration}s" -s "$work/batch.lua" "http://127.0.0.1:$1" | tee "$work/$2.txt" >&2
  awk '/^Requests\/sec:/ { print $2 }' "$work/$2.txt"
}

echo "==> Bare endpoint, ${duration}s" >&2
bare=$(run $bare_port bare)
echo "==> Cdp.Local, ${duration}s" >&2
cdp=$(run $cdp_port cdp)
non2xx_cdp=$(awk '/Non-2xx/ { print $NF }' "$work/cdp.txt")
ratio=$(awk -v a="$cdp" -v b="$bare" 'BEGIN { printf "%.2f", a / b }')
echo "bare: $bare req/s; cdp: $cdp req/s; ratio $ratio"
[ -z "$non2xx_cdp" ] || echo "warning: Cdp answered $non2xx_cdp non-2xx replies" >&2

python3 - "$bare" "$cdp" "$ratio" "$duration" "$connections" "${non2xx_cdp:-0}" <<'PY'
import datetime, os, re, subprocess, sys
bare, cdp, ratio, duration, connections, non2xx = sys.argv[1:]
path = "docs/performance.md"
text = open(path).read() if os.path.exists(path) else "# Performance\n\nMeasured numbers, each with the command that produced it. Benchmarks are not tests: they run on demand.\n"
cpu = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
section = f"""## Collection: `POST /api/v1/batch` on Cdp.Local vs a bare Kestrel endpoint

Command: `scripts/bench.sh {duration}` — wrk, 2 threads, {connections} connections, {duration} s per run, both servers
on loopback on the same machine ({cpu} cores), one after the other. Each request is a batch of 20
analytics-node-shaped messages (1 identify, 19 track) with fresh message ids, HTTP Basic write key. The
bare endpoint (`scripts/bench/Cdp.Bench.Bare`) reads the body and parses it as a JSON tree, nothing
else. Cdp.Local authenticates the source, reads, validates and stamps every message, appends the batch
to the embedded SQLite event log (committed before the reply; WAL with synchronous=NORMAL survives a
process crash, not necessarily a power cut), while ingest consumes the log in the background on the
same cores. Logging at Warning.

| endpoint | requests/s | messages/s |
|---|---|---|
| bare Kestrel, parse only | {float(bare):,.0f} | {float(bare)*20:,.0f} |
| Cdp.Local `/api/v1/batch` | {float(cdp):,.0f} | {float(cdp)*20:,.0f} |
| **ratio** | **{ratio}×** | |

Non-2xx replies from Cdp during the run: {non2xx}. Measured {datetime.date.today().isoformat()}.
"""
pattern = re.compile(r"## Collection: `POST /api/v1/batch`.*?(?=\n## |\Z)", re.S)
text = pattern.sub(section.rstrip() + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
open(path, "w").write(text)
PY
echo "Wrote docs/performance.md"
