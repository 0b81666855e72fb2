# Shared by the server_*_test.sh scripts (sourced after common.sh): the client
# venv, starting `textembed serve` on free loopback ports (it binds port 0 and
# logs the ports it got in its "ready" line) and stopping it.

PY=$SRC_DIR/.venv-clients/bin/python
[[ -x $PY ]] || die "$PY missing (scripts/setup.sh creates the client venv)"
command -v curl >/dev/null || die "curl not found"
MODEL_DIR=$DATA_DIR/models/bert-tiny-random
MODEL_NAME=bert-tiny-random
WORK=$(mktemp -d)
SERVER_PID=""
trap 'if [[ -n $SERVER_PID ]]; then kill -KILL $SERVER_PID 2>/dev/null; fi; rm -rf "$WORK"' EXIT

# start_server LOG [serve flags...]: sets SERVER_PID, PORT, METRICS_PORT, BASE, METRICS.
start_server() {
  local log=$1; shift
  "$BIN" serve --model "$MODEL_DIR" --port 0 --metrics-port 0 --env-file /dev/null "$@" 2>"$log" &
  SERVER_PID=$!
  local i
  local ready=' ready |"msg":"ready"'  # text or JSON log format
  for ((i = 0; i < 600; i++)); do
    if grep -qE "$ready" "$log"; then break; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; die "server exited before it was ready"; }
    sleep 0.1
  done
  grep -qE "$ready" "$log" || { cat "$log" >&2; die "server not ready after 60 s"; }
  PORT=$(grep -E "$ready" "$log" | grep -oE '[ "]port[=":]+[0-9]+' | grep -o '[0-9]*$')
  METRICS_PORT=$(grep -E "$ready" "$log" | grep -oE 'metrics_port[=":]+[0-9]+' | grep -o '[0-9]*$')
  BASE=http://127.0.0.1:$PORT
  METRICS=http://127.0.0.1:$METRICS_PORT
}

# stop_server [SIGNAL]: signals the server, waits, sets STOP_STATUS to its exit status.
stop_server() {
  STOP_STATUS=0
  kill -"${1:-TERM}" "$SERVER_PID"
  wait "$SERVER_PID" || STOP_STATUS=$?
  SERVER_PID=""
}

# http METHOD PATH [BODY] [curl args...]: prints "STATUS BODY".
http() {
  local method=$1 path=$2 body=${3-}; shift 3 2>/dev/null || shift $#
  if [[ -n $body ]]; then
    curl -s -o "$WORK/body" -w '%{http_code}' -X "$method" -H 'Content-Type: application/json' \
      --data-binary "$body" "$@" "$BASE$path"
  else
    curl -s -o "$WORK/body" -w '%{http_code}' -X "$method" "$@" "$BASE$path"
  fi
  printf ' %s' "$(cat "$WORK/body")"
}
