#!/usr/bin/env bash
# The OFREP suite: OpenFeature's JavaScript server SDK with its OFREP provider against the built console.
#   tests/ofrep/run.sh [Debug|Release]
exec "$(dirname "$(readlink -f "$0")")/../node-suite.sh" "$(dirname "$(readlink -f "$0")")" ofrep.test.mjs "$@"
