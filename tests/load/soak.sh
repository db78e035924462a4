#!/usr/bin/env bash
# Soak (issue "faults"): the published console on a fresh demo SQLite database with its simulated gateways, plus the
# soak client at fixed rates — route lookups (100/s), telemetry batches (100 events/s), a dashboard left open in
# Chromium and pages opened in turn, and a hub client — for MINUTES; the console's resident memory and the interval's
# latencies sampled every 10 s. Fails on any error answer, or when memory keeps growing after the warm-up.
# Bounded, 127.0.0.1 only, stops by itself.
#   tests/load/soak.sh [MINUTES]     default 30
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/../.."
MINUTES=${1:-30}
KEY="soak-bootstrap-key-0123456789abcdef"
work=$(mktemp -d /tmp/modelconsole-soak.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

. tests/load/lib.sh

dotnet build tests/ModelConsole.Scenarios -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null
dotnet publish src/ModelConsole.Web -c Release -o "$work/app" -v quiet -nologo -clp:ErrorsOnly >/dev/null
p=$(port 56900); base="http://127.0.0.1:$p"
( cd "$work/app" && exec env ASPNETCORE_ENVIRONMENT=Production Demo__Enabled=true Demo__Simulate=true Auth__BootstrapApiKey="$KEY" \
  ConnectionStrings__ModelConsole="Data Source=$work/console.db" RateLimit__SignInPerMinute=1000 Logging__LogLevel__Default=Warning \
  dotnet ModelConsole.Web.dll --urls "$base" >"$work/console.log" 2>&1 ) &
pids+=($!)
console_pid=$!
wait_for "$base/readyz" || { tail -20 "$work/console.log" >&2; exit 1; }
limit=$(awk -v m="$MINUTES" 'BEGIN { printf "%d", m * 60 + 300 }')
timeout "$limit" dotnet tests/ModelConsole.Scenarios/bin/Release/net10.0/ModelConsole.Scenarios.dll soak "$base" "$KEY" "$MINUTES" "$console_pid"
