#!/usr/bin/env bash
# Route-resolve load test (issue "pipeline"): a bare Kestrel endpoint returning a constant, then the console's
# route endpoint with an API key (authentication on the measured path), one after the other on this machine,
# with wrk -t2 -c64 for a fixed time; then latency at a fixed rate with the project's own open-loop client.
# Everything targets 127.0.0.1, is bounded in time, and stops by itself.
#   tests/load/route-load.sh [SECONDS] [RATE]      defaults: 10 s, 10000 req/s
# Fails when any answer is not 2xx. Goals (DESIGN.md): ratio >= 0.6, p99 < 2 ms at 10,000 req/s.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/../.."
SECONDS_PER_RUN=${1:-10}
RATE=${2:-10000}
KEY="load-test-bootstrap-key-0123456789"
work=$(mktemp -d /tmp/modelconsole-load.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 1; }
. tests/load/lib.sh
wait_for() { for _ in $(seq 1 120); do curl -fs -o /dev/null -H "X-Api-Key: $KEY" "$1" && return 0; sleep 0.5; done; echo "not up: $1" >&2; return 1; }

dotnet build tests/ModelConsole.Benchmarks -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null
# The console runs as deployed: published, not from build output (whose static-asset development support looks
# for a file on disk on every request).
dotnet publish src/ModelConsole.Web -c Release -o "$work/app" -v quiet -nologo -clp:ErrorsOnly >/dev/null

bare_port=$(port 56100)
dotnet tests/ModelConsole.Benchmarks/bin/Release/net10.0/ModelConsole.Benchmarks.dll bare-kestrel --urls "http://127.0.0.1:$bare_port" >"$work/bare.log" 2>&1 &
pids+=($!)
console_port=$(port 56200)
# exec: the recorded PID is the server's own, so cleanup stops it (not just a subshell).
( cd "$work/app" && exec env ASPNETCORE_ENVIRONMENT=Production Demo__Enabled=true Demo__Simulate=false Auth__BootstrapApiKey="$KEY" \
  ConnectionStrings__ModelConsole="Data Source=$work/console.db" Logging__LogLevel__Default=Warning \
  dotnet ModelConsole.Web.dll --urls "http://127.0.0.1:$console_port" >"$work/console.log" 2>&1 ) &
pids+=($!)
wait_for "http://127.0.0.1:$bare_port/ping"
wait_for "http://127.0.0.1:$console_port/readyz" || { tail -20 "$work/console.log" >&2; exit 1; }
route="http://127.0.0.1:$console_port/api/v1/families/support-agent/route?subject=user-42"

WARMUP=${WARMUP:-10}
run_wrk() { # run_wrk NAME URL [HEADER]: a warm-up (tiered JIT and PGO; 10 s, WARMUP=) for every target alike, then the measured run
  local out="$work/$1.wrk"
  if [ -n "${3:-}" ]; then wrk -t2 -c64 -d"${WARMUP}s" -H "$3" "$2" >/dev/null; else wrk -t2 -c64 -d"${WARMUP}s" "$2" >/dev/null; fi
  if [ -n "${3:-}" ]; then wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" --latency -H "$3" "$2" >"$out"; else wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" --latency "$2" >"$out"; fi
  if grep -q "Non-2xx" "$out"; then cat "$out" >&2; echo "$1: some answers were not 2xx" >&2; exit 1; fi
  awk '/Requests\/sec/ {print $2}' "$out"
}

bare_rps=$(run_wrk bare "http://127.0.0.1:$bare_port/ping")
route_rps=$(run_wrk route "$route" "X-Api-Key: $KEY")
ratio=$(awk -v a="$route_rps" -v b="$bare_rps" 'BEGIN { printf "%.2f", a / b }')
echo "wrk -t2 -c64 -d${SECONDS_PER_RUN}s: bare Kestrel ${bare_rps} req/s, route (API key) ${route_rps} req/s, ratio ${ratio} (goal >= 0.6)"
echo "route p99 under wrk's saturating load: $(awk '/ 99%/ {print $2}' "$work/route.wrk")"
client=tests/ModelConsole.Benchmarks/bin/Release/net10.0/ModelConsole.Benchmarks.dll
echo -n "baseline, bare Kestrel  "; dotnet "$client" fixed-rate "http://127.0.0.1:$bare_port/ping" "$RATE" "$SECONDS_PER_RUN"
echo -n "route with an API key   "; dotnet "$client" fixed-rate "$route" "$RATE" "$SECONDS_PER_RUN" "X-Api-Key:$KEY"
