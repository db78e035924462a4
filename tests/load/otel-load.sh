#!/usr/bin/env bash
# OpenTelemetry load test (issue "otel"), two comparisons measured in the same run on this machine:
#  1. ingest: the same 1,000-event batches posted as OTLP protobuf spans to /v1/traces and as JSON to
#     /api/v1/telemetry, alternating, RUNS times each; the ratio of the medians (goal >= 0.7);
#  2. the console's own OpenTelemetry: route req/s (wrk -t2 -c64) on two consoles up at once, one with it off, one
#     with it on (Prometheus scraping enabled, traces and metrics exported over OTLP to a stand-in collector),
#     measured in turn RUNS times each; the ratio of the medians (goal >= 0.85).
# Everything targets 127.0.0.1, is bounded in time, and stops by itself.
#   tests/load/otel-load.sh [SECONDS] [RUNS] [SENDERS]      defaults: 10 s, 3 runs, 4 senders
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/../.."
SECONDS_PER_RUN=${1:-10}
RUNS=${2:-3}
SENDERS=${3:-4}
KEY="load-test-bootstrap-key-0123456789"
work=$(mktemp -d /tmp/modelconsole-otel.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 1; }
. tests/load/lib.sh
wait_key() { for _ in $(seq 1 120); do curl -fs -o /dev/null -H "X-Api-Key: $KEY" "$1" && return 0; sleep 0.5; done; echo "not up: $1" >&2; return 1; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

dotnet build tests/ModelConsole.Benchmarks -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null
dotnet publish src/ModelConsole.Web -c Release -o "$work/app" -v quiet -nologo -clp:ErrorsOnly >/dev/null
client=tests/ModelConsole.Benchmarks/bin/Release/net10.0/ModelConsole.Benchmarks.dll

console_pid=""
start_console() { # start_console NAME [ENV...]: a fresh demo database, the simulator off
  local name=$1; shift
  port_now=$(port 56400); base="http://127.0.0.1:$port_now"
  ( cd "$work/app" && exec env ASPNETCORE_ENVIRONMENT=Production Demo__Enabled=true Demo__Simulate=false Auth__BootstrapApiKey="$KEY" \
    ConnectionStrings__ModelConsole="Data Source=$work/$name.db" Logging__LogLevel__Default=Warning "$@" \
    dotnet ModelConsole.Web.dll --urls "$base" >"$work/$name.log" 2>&1 ) &
  console_pid=$!; pids+=("$console_pid")
  wait_key "$base/readyz" || { tail -20 "$work/$name.log" >&2; exit 1; }
}
stop_console() { kill "$console_pid" 2>/dev/null || true; wait "$console_pid" 2>/dev/null || true; }

# 1. Ingest: OTLP protobuf against JSON, same events, same console, alternating.
start_console ingest
post() { curl -fsS -o /dev/null -H "X-Api-Key: $KEY" -H "Content-Type: application/json" -d "$2" "$base$1"; }
post /api/v1/families '{"name":"otel-load"}'
post /api/v1/bundles '{"name":"otel-load-v1","family":"otel-load","provider":"openai","modelId":"gpt-4o","prompt":"p","config":{},"pricing":{"inputPerMillion":2.5,"outputPerMillion":10}}'
dotnet "$client" ingest "$base/api/v1/telemetry" "$KEY" otel-load-v1 3 "$SENDERS" >/dev/null
dotnet "$client" ingest-otlp "$base/v1/traces" "$KEY" otel-load-v1 3 "$SENDERS" >/dev/null
: >"$work/json.rates"; : >"$work/otlp.rates"
for _ in $(seq 1 "$RUNS"); do
  read -r rate _ < <(dotnet "$client" ingest "$base/api/v1/telemetry" "$KEY" otel-load-v1 "$SECONDS_PER_RUN" "$SENDERS"); echo "$rate" >>"$work/json.rates"
  read -r rate _ < <(dotnet "$client" ingest-otlp "$base/v1/traces" "$KEY" otel-load-v1 "$SECONDS_PER_RUN" "$SENDERS"); echo "$rate" >>"$work/otlp.rates"
done
stop_console
json=$(median <"$work/json.rates"); otlp=$(median <"$work/otlp.rates")
echo "ingest, batches of 1000 ($SENDERS senders, ${SECONDS_PER_RUN}s x $RUNS): JSON $(paste -sd/ "$work/json.rates") events/s, OTLP protobuf $(paste -sd/ "$work/otlp.rates") events/s; medians ${json} vs ${otlp}, ratio $(awk -v a="$otlp" -v b="$json" 'BEGIN { printf "%.2f", a / b }') (goal >= 0.7)"

# 2. Route req/s with the console's own OpenTelemetry off and on: both consoles up at once, measured in turn
#    (off, on, off, on, ...) so both see the same machine over the same minutes.
collector_port=$(port 56500)
dotnet "$client" bare-kestrel --urls "http://127.0.0.1:$collector_port" >"$work/collector.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$collector_port/ping"
start_console off; off_base=$base
start_console on Metrics__Prometheus=true OpenTelemetry__Endpoint="http://127.0.0.1:$collector_port"; on_base=$base
route_run() { # route_run NAME BASE SECONDS: one wrk run of the route, its req/s appended to NAME.rates
  local route="$2/api/v1/families/support-agent/route?subject=user-42"
  wrk -t2 -c64 -d"$3s" -H "X-Api-Key: $KEY" "$route" >"$work/$1.wrk"
  if grep -q "Non-2xx" "$work/$1.wrk"; then cat "$work/$1.wrk" >&2; echo "$1: some answers were not 2xx" >&2; exit 1; fi
  awk '/Requests\/sec/ {print $2}' "$work/$1.wrk" >>"$work/$1.rates"
}
route_run warm "$off_base" "${WARMUP:-10}"; route_run warm "$on_base" "${WARMUP:-10}"
: >"$work/off.rates"; : >"$work/on.rates"
for _ in $(seq 1 "$RUNS"); do
  route_run off "$off_base" "$SECONDS_PER_RUN"
  route_run on "$on_base" "$SECONDS_PER_RUN"
done
# The scrape answers in Prometheus' format after the load.
curl -fsS -H "X-Api-Key: $KEY" "$on_base/metrics" | grep -q '^modelconsole_route_answers' || { echo "the Prometheus scrape has no route answers" >&2; exit 1; }
off=$(median <"$work/off.rates"); on=$(median <"$work/on.rates")
echo "route with the console's own OpenTelemetry off $(paste -sd/ "$work/off.rates") req/s, on $(paste -sd/ "$work/on.rates") req/s (alternating); medians ${off} vs ${on}, ratio $(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.2f", a / b }') (goal >= 0.85)"
