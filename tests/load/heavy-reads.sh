#!/usr/bin/env bash
# Heavy reads never slow the route (issue "faults"): the published console on a fresh SQLite file; DAYS days of one
# call a minute for a canary and its active bundle posted through the real ingest; then route lookups at 200/s for
# SECONDS alone, and again while eight clients loop over the longest metrics span the API allows (2,000 daily steps)
# and week-long comparisons. Bounded, 127.0.0.1 only, stops by itself.
#   tests/load/heavy-reads.sh [DAYS] [SECONDS]      defaults: 30 days, 10 s
# Goal: route p99 < 50 ms with the heavy readers.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/../.."
DAYS=${1:-30}
SECONDS_PER_RUN=${2:-10}
KEY="heavy-reads-bootstrap-key-0123456789"
work=$(mktemp -d /tmp/modelconsole-heavy.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

. tests/load/lib.sh

dotnet build tests/ModelConsole.Benchmarks -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null
dotnet publish src/ModelConsole.Web -c Release -o "$work/app" -v quiet -nologo -clp:ErrorsOnly >/dev/null
p=$(port 57100); base="http://127.0.0.1:$p"
( cd "$work/app" && exec env ASPNETCORE_ENVIRONMENT=Production Demo__Enabled=false Demo__Simulate=false Auth__BootstrapApiKey="$KEY" \
  ConnectionStrings__ModelConsole="Data Source=$work/console.db" Logging__LogLevel__Default=Warning \
  dotnet ModelConsole.Web.dll --urls "$base" >"$work/console.log" 2>&1 ) &
pids+=($!)
wait_for "$base/readyz" || { tail -20 "$work/console.log" >&2; exit 1; }
timeout 900 dotnet tests/ModelConsole.Benchmarks/bin/Release/net10.0/ModelConsole.Benchmarks.dll heavy-reads "$base" "$KEY" "$DAYS" "$SECONDS_PER_RUN"
