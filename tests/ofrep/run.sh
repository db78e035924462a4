#!/usr/bin/env bash
# The OFREP suite: installs the OpenFeature packages from package-lock.json when missing, starts the built console on
# a fresh SQLite file on 127.0.0.1, and runs the Node tests against it (TAP output; "# pass N" / "# fail N" at the end).
#   tests/ofrep/run.sh [Debug|Release]
set -euo pipefail
here="$(dirname "$(readlink -f "$0")")"
root="$here/../.."
configuration=${1:-Debug}
KEY="ofrep-bootstrap-key-0123456789abcdef"
work=$(mktemp -d /tmp/modelconsole-ofrep.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
. "$root/tests/load/lib.sh"

if [ ! -d "$here/node_modules/@openfeature/ofrep-provider" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
web="$root/src/ModelConsole.Web"
p=$(port 57300); base="http://127.0.0.1:$p"
( cd "$web" && exec env ASPNETCORE_ENVIRONMENT=Production Demo__Enabled=false Demo__Simulate=false Auth__BootstrapApiKey="$KEY" \
  ConnectionStrings__ModelConsole="Data Source=$work/console.db" Logging__LogLevel__Default=Warning \
  dotnet "bin/$configuration/net10.0/ModelConsole.Web.dll" --urls "$base" >"$work/console.log" 2>&1 ) &
pid=$!
wait_for "$base/readyz" || { tail -20 "$work/console.log" >&2; exit 1; }
cd "$here"
BASE="$base" KEY="$KEY" timeout 600 node --test --test-reporter=tap ofrep.test.mjs
