#!/usr/bin/env bash
# A Node test suite against the built console: installs the suite's packages from its package-lock.json when
# node_modules is missing, starts the console on a fresh SQLite file on 127.0.0.1 with a bootstrap key, and runs
# the suite's test file with Node's test runner (TAP output; "# pass N" / "# fail N" at the end).
#   tests/node-suite.sh SUITE_DIR TEST_FILE [Debug|Release]      e.g. tests/node-suite.sh tests/ofrep ofrep.test.mjs
set -euo pipefail
root="$(dirname "$(readlink -f "$0")")/.."
suite="$(readlink -f "$1")"; file="$2"; configuration=${3:-Debug}
name=$(basename "$suite")
KEY="$name-bootstrap-key-0123456789abcdef"
work=$(mktemp -d "/tmp/modelconsole-$name.XXXXXX")
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
. "$root/tests/load/lib.sh"

if [ ! -d "$suite/node_modules" ]; then
  (cd "$suite" && npm ci --no-audit --no-fund --loglevel=error)
fi
web="$root/src/ModelConsole.Web"
p=$(port 57300); base="http://127.0.0.1:$p"
( cd "$web" && exec env ASPNETCORE_ENVIRONMENT=Production Demo__Enabled=false Demo__Simulate=false Auth__BootstrapApiKey="$KEY" \
  ConnectionStrings__ModelConsole="Data Source=$work/console.db" Logging__LogLevel__Default=Warning \
  dotnet "bin/$configuration/net10.0/ModelConsole.Web.dll" --urls "$base" >"$work/console.log" 2>&1 ) &
pid=$!
wait_for "$base/readyz" || { tail -20 "$work/console.log" >&2; exit 1; }
cd "$suite"
BASE="$base" KEY="$KEY" timeout 600 node --test --test-reporter=tap "$file"
