# Shared by the load scripts (sourced): a free port on 127.0.0.1 from $1 on, and waiting for a URL to answer.
port() { for p in $(seq "$1" $(( $1 + 100 ))); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }; done; return 1; }
wait_for() { for _ in $(seq 1 120); do curl -fs -o /dev/null "$1" && return 0; sleep 0.5; done; echo "not up: $1" >&2; return 1; }
