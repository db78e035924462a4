#!/usr/bin/env bash
# UI scale (issue "oncall-ux", the design's performance budget): the published console on a fresh demo SQLite database
# with its simulated gateways, FAMILIES more families of ten bundles each registered through the API, then (1) the
# overview's server render timed over 30 requests (goal: median < 300 ms with 200 families and 2,000 bundles) and
# (2) DASHBOARDS Chromium contexts with the overview open and live for HOLD seconds while the console's resident memory
# is sampled (goal: peak < 500 MB with 50 dashboards). Bounded, 127.0.0.1 only, stops by itself.
#   tests/load/ui-scale.sh [FAMILIES] [DASHBOARDS] [HOLD_SECONDS]     defaults 200 50 60
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/../.."
FAMILIES=${1:-200}
DASHBOARDS=${2:-50}
HOLD=${3:-60}
KEY="ui-scale-bootstrap-key-0123456789abcdef"
work=$(mktemp -d /tmp/modelconsole-ui-scale.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

. tests/load/lib.sh

dotnet build tests/ModelConsole.Scenarios -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null
dotnet publish src/ModelConsole.Web -c Release -o "$work/app" -v quiet -nologo -clp:ErrorsOnly >/dev/null
p=$(port 57000); base="http://127.0.0.1:$p"
( cd "$work/app" && exec env ASPNETCORE_ENVIRONMENT=Production Demo__Enabled=true Demo__Simulate=true Auth__BootstrapApiKey="$KEY" \
  ConnectionStrings__ModelConsole="Data Source=$work/console.db" RateLimit__SignInPerMinute=1000 RateLimit__PerKeyPerSecond=100000 \
  Logging__LogLevel__Default=Warning dotnet ModelConsole.Web.dll --urls "$base" >"$work/console.log" 2>&1 ) &
pids+=($!)
console_pid=$!
wait_for "$base/readyz" || { tail -20 "$work/console.log" >&2; exit 1; }
limit=$(( HOLD + 900 ))
timeout "$limit" dotnet tests/ModelConsole.Scenarios/bin/Release/net10.0/ModelConsole.Scenarios.dll ui-scale "$base" "$KEY" "$FAMILIES" "$DASHBOARDS" "$HOLD" "$console_pid"
