#!/usr/bin/env bash
# Telemetry ingest load test (issue "ingest"): batches of 1,000 events posted over loopback to the console (Release,
# fresh SQLite file) by a few concurrent senders for a fixed time, each batch acknowledged only after its commit;
# then, in the same run, the same number of rows inserted into a fresh SQLite file with the console's own prepared
# statement as the baseline. Everything targets 127.0.0.1, is bounded in time, and stops by itself.
#   tests/load/ingest-load.sh [SECONDS] [SENDERS]      defaults: 10 s, 4 senders
# Fails when any batch is not answered 202 with all 1,000 accepted. Goals (DESIGN.md): >= 100,000 events/s, ratio >= 0.5.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/../.."
SECONDS_PER_RUN=${1:-10}
SENDERS=${2:-4}
KEY="load-test-bootstrap-key-0123456789"
work=$(mktemp -d /tmp/modelconsole-ingest.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

. tests/load/lib.sh

dotnet build tests/ModelConsole.Benchmarks -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null
# The console runs as deployed: published, not from build output (whose static-asset development support looks
# for a file on disk on every request).
dotnet publish src/ModelConsole.Web -c Release -o "$work/app" -v quiet -nologo -clp:ErrorsOnly >/dev/null

console_port=$(port 56300)
base="http://127.0.0.1:$console_port"
( cd "$work/app" && exec env ASPNETCORE_ENVIRONMENT=Production Demo__Enabled=false Demo__Simulate=false Auth__BootstrapApiKey="$KEY" \
  ConnectionStrings__ModelConsole="Data Source=$work/console.db" Logging__LogLevel__Default=Warning \
  dotnet ModelConsole.Web.dll --urls "$base" >"$work/console.log" 2>&1 ) &
pids+=($!)
wait_for "$base/readyz" || { tail -20 "$work/console.log" >&2; exit 1; }
post() { curl -fsS -o /dev/null -H "X-Api-Key: $KEY" -H "Content-Type: application/json" -d "$2" "$base$1"; }
post /api/v1/families '{"name":"ingest-load"}'
post /api/v1/bundles '{"name":"ingest-load-v1","family":"ingest-load","provider":"openai","modelId":"gpt-4o","prompt":"p","config":{},"pricing":{"inputPerMillion":2.5,"outputPerMillion":10}}'

client=tests/ModelConsole.Benchmarks/bin/Release/net10.0/ModelConsole.Benchmarks.dll
# A short warm-up (tiered JIT, connection pools), then the measured run.
dotnet "$client" ingest "$base/api/v1/telemetry" "$KEY" ingest-load-v1 3 "$SENDERS" >/dev/null
read -r rate p99 events batches < <(dotnet "$client" ingest "$base/api/v1/telemetry" "$KEY" ingest-load-v1 "$SECONDS_PER_RUN" "$SENDERS")
# The console's own count must agree with what was acknowledged (warm-up included).
stored=$(curl -fsS -H "X-Api-Key: $KEY" "$base/api/v1/bundles/ingest-load-v1/metrics?step=60" | grep -o '"requests":[0-9]*' | cut -d: -f2 | awk '{ s += $1 } END { print s + 0 }')
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true; pids=()
bare=$(dotnet "$client" bare-insert "$work/bare.db" "$events")
ratio=$(awk -v a="$rate" -v b="$bare" 'BEGIN { printf "%.2f", a / b }')
echo "ingest ($SENDERS senders, batches of 1000, ${SECONDS_PER_RUN}s): ${rate} events/s acknowledged after commit, p99 batch ${p99} ms, ${events} events in ${batches} batches (console counts ${stored} with the warm-up)"
echo "bare prepared-statement insert of the same rows: ${bare} rows/s; ratio ${ratio} (goals: >= 100000 events/s, ratio >= 0.5)"
