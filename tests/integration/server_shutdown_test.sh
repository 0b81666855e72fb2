#!/usr/bin/env bash
# SIGTERM while 16 clients keep sending: every request the server read is
# answered (what clients received equals what the server logged as
# answered), the server exits 0 within its grace period, and after a
# restart on the same disk cache every text answered before the signal is a
# cache hit (the disk cache was flushed: no entry lost).
set -uo pipefail
TEST_NAME=server_shutdown
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/server_common.sh"

CACHE=$WORK/cache
start_server "$WORK/server1.log" --threads 2 --cache-dir "$CACHE" --shutdown-timeout 20s

"$PY" - "$PORT" "$SERVER_PID" "$WORK/answered.txt" <<'PYEOF' >"$WORK/load.txt" 2>&1
import http.client, json, os, signal, sys, threading, time
port, pid, answered_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()
ok_texts, outcomes = [], {}
stop_at = [None]

def worker(w):
    conn = None
    i = 0
    while True:
        if stop_at[0] and time.time() > stop_at[0]:
            return
        texts = [f"client {w} request {i} text {k}" for k in range(4)]
        i += 1
        body = json.dumps({"inputs": texts})
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("POST", "/embed", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            data = response.read()
            kind = str(response.status)
            if response.status == 200:
                rows = json.loads(data)
                assert len(rows) == 4 and all(len(r) == 128 for r in rows), "bad body"
                with lock: ok_texts.extend(texts)
            if response.getheader("Connection", "").lower() == "close":
                conn.close(); conn = None
        except (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected, BrokenPipeError) as e:
            kind = type(e).__name__
            if conn: conn.close()
            conn = None
            if stop_at[0] is None: kind += " before SIGTERM"
            time.sleep(0.01)
        with lock: outcomes[kind] = outcomes.get(kind, 0) + 1

threads = [threading.Thread(target=worker, args=(w,)) for w in range(16)]
for t in threads: t.start()
time.sleep(2.0)
os.kill(pid, signal.SIGTERM)
stop_at[0] = time.time() + 1.5
for t in threads: t.join()
open(answered_file, "w").write("\n".join(ok_texts) + "\n")
print(json.dumps({"ok_requests": outcomes.get("200", 0), "outcomes": outcomes}))
PYEOF
cat "$WORK/load.txt"
status=0; wait "$SERVER_PID" || status=$?; SERVER_PID=""
[[ $status == 0 ]] && pass "SIGTERM under load exits 0" || fail "exit status $status"
got=$(grep -o '"ok_requests": [0-9]*' "$WORK/load.txt" | grep -o '[0-9]*$')
logged=$(grep ' request ' "$WORK/server1.log" | grep -c 'route=/embed status=200')
[[ -n $got && $got -gt 0 && $got == "$logged" ]] && pass "every answered request reached its client ($got = $logged)" \
  || fail "clients got ${got:-?} answers, server logged $logged"
grep -q 'before SIGTERM' "$WORK/load.txt" && fail "errors before the signal" || pass "no errors before the signal"
grep -qE '"(5[0-9][0-9]|4[0-9][0-9])"' "$WORK/load.txt" && fail "error statuses: $(cat "$WORK/load.txt")" \
  || pass "only 200s (refused connections after the signal aside)"
grep -q 'unfinished_connections=0' "$WORK/server1.log" && pass "drained with nothing unfinished" \
  || fail "drain: $(grep ' stopped ' "$WORK/server1.log")"

# Restart on the same cache: every text answered before the signal is a hit.
start_server "$WORK/server2.log" --threads 2 --cache-dir "$CACHE" --log-format json
"$PY" - "$BASE" "$WORK/answered.txt" <<'PYEOF' && pass "no cache entry lost across the restart" || fail "cache entries lost"
import json, sys, urllib.request
base, answered = sys.argv[1], [t for t in open(sys.argv[2]).read().split("\n") if t]
hits = 0
for start in range(0, len(answered), 256):
    batch = answered[start:start + 256]
    request = urllib.request.Request(base + "/embed", json.dumps({"inputs": batch}).encode(),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        hits += int(response.headers.get("X-Cache-Hits", "0"))
print(f"{hits} of {len(answered)} texts were cache hits after the restart")
sys.exit(0 if hits == len(answered) and answered else 1)
PYEOF
stop_server INT
[[ $STOP_STATUS == 0 ]] && pass "SIGINT exits 0" || fail "SIGINT exit status $STOP_STATUS"
"$PY" - "$WORK/server2.log" <<'PYEOF' && pass "--log-format json: every line is a JSON object" || fail "JSON log lines"
import json, sys
lines = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
messages = [line["msg"] for line in lines]
requests = [line for line in lines if line["msg"] == "request"]
assert all("time" in line and "level" in line for line in lines)
assert "ready" in messages and "stopped" in messages, messages
assert requests and all(r["route"] == "/embed" and r["status"] == 200 and r["texts"] > 0 for r in requests)
PYEOF
finish
