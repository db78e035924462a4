#!/usr/bin/env bash
# Breach to rollback (issue "alerts"): the published console on a fresh demo SQLite database (simulator off), then
# the scenario client for RUNS runs: a canary on healthy traffic, then a batch in which it fails 40 % of its calls;
# measured from that batch's acknowledgement (a) to `route` answering the restored bundle and (b) to the "rolled back"
# toast visible in Chromium on the family view. Bounded, 127.0.0.1 only, stops by itself.
#   tests/load/rollback-scenario.sh [RUNS]     default 10
# Goals (DESIGN.md): (a) p95 < 2 s, (b) p95 < 3 s.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/../.."
RUNS=${1:-10}
KEY="rollback-scenario-key-0123456789abcdef"
work=$(mktemp -d /tmp/modelconsole-rollback.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

. tests/load/lib.sh

dotnet build tests/ModelConsole.Scenarios -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null
dotnet publish src/ModelConsole.Web -c Release -o "$work/app" -v quiet -nologo -clp:ErrorsOnly >/dev/null
p=$(port 56700); base="http://127.0.0.1:$p"
( cd "$work/app" && exec env ASPNETCORE_ENVIRONMENT=Production Demo__Enabled=true Demo__Simulate=false Auth__BootstrapApiKey="$KEY" \
  ConnectionStrings__ModelConsole="Data Source=$work/console.db" RateLimit__SignInPerMinute=1000 Logging__LogLevel__Default=Warning \
  dotnet ModelConsole.Web.dll --urls "$base" >"$work/console.log" 2>&1 ) &
pids+=($!)
wait_for "$base/readyz" || { tail -20 "$work/console.log" >&2; exit 1; }
timeout 600 dotnet tests/ModelConsole.Scenarios/bin/Release/net10.0/ModelConsole.Scenarios.dll rollback "$base" "$KEY" "$RUNS"
