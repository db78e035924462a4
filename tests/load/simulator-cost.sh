#!/usr/bin/env bash
# What the traffic simulator costs (issue "simulator"): the published console on a fresh demo SQLite database, run
# twice for the same time, once idle (Demo:Simulate=false) and once simulating at the default rate; the CPU time of
# the process (user + system, from /proc) over the measured window, as a share of one core. The difference is the
# simulator's cost. Bounded in time, 127.0.0.1 only, stops by itself.
#   tests/load/simulator-cost.sh [SECONDS] [REQUESTS_PER_SECOND] [WARMUP]   defaults: 60 s, the default rate (12/s at
#   peak), 10 s of warm-up before measuring
# Goal: the simulator's share under 5 % of one core at the default settings.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/../.."
MEASURE=${1:-60}
RATE=${2:-12}
WARMUP=${3:-10}
KEY="simulator-cost-bootstrap-key-0123456789"
work=$(mktemp -d /tmp/modelconsole-simcost.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

. tests/load/lib.sh
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

dotnet publish src/ModelConsole.Web -c Release -o "$work/app" -v quiet -nologo -clp:ErrorsOnly >/dev/null
hz=$(getconf CLK_TCK)

# Prints the CPU share of one core (percent) the console used over the measured window, and the requests simulated.
measure() {
  local simulate=$1 db="$work/demo-$1.db" p base pid before after
  p=$(port 56500); base="http://127.0.0.1:$p"
  ( cd "$work/app" && exec env ASPNETCORE_ENVIRONMENT=Production Demo__Enabled=true Demo__Simulate="$simulate" \
    Demo__RequestsPerSecond="$RATE" Demo__BackfillMinutes=0 ConnectionStrings__ModelConsole="Data Source=$db" Auth__BootstrapApiKey="$KEY" \
    Logging__LogLevel__Default=Warning dotnet ModelConsole.Web.dll --urls "$base" >"$work/console-$simulate.log" 2>&1 ) &
  pid=$!; pids+=("$pid")
  wait_for "$base/readyz" || { tail -20 "$work/console-$simulate.log" >&2; exit 1; }
  sleep "$WARMUP"
  before=$(ticks "$pid"); sleep "$MEASURE"; after=$(ticks "$pid")
  # The requests the demo bundles received, from the console's own metrics.
  local events=0 b n
  for b in support-agent-v10 support-agent-v11 summarizer-v4 summarizer-v5 sql-copilot-v1 ticket-triage-v1; do
    n=$(curl -fsS -H "X-Api-Key: $KEY" "$base/api/v1/bundles/$b/metrics?step=60" | grep -o '"requests":[0-9]*' | cut -d: -f2 | awk '{ s += $1 } END { print s + 0 }')
    events=$((events + n))
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true; pids=()
  awk -v a="$before" -v b="$after" -v hz="$hz" -v s="$MEASURE" -v e="$events" 'BEGIN { printf "%.2f %s\n", (b - a) / hz / s * 100, e }'
}

read -r idle _ < <(measure false)
read -r busy events < <(measure true)
cost=$(awk -v a="$idle" -v b="$busy" 'BEGIN { printf "%.2f", b - a }')
echo "simulator at ${RATE} requests/s at peak (${events} events stored over ${WARMUP}+${MEASURE}s): console ${busy} % of one core vs ${idle} % idle; the simulator costs ${cost} % of one core (goal < 5 %)"
