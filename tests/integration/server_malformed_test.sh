#!/usr/bin/env bash
# Malformed and hostile requests get a 4xx (never a 5xx, never a crash) and
# the server keeps serving: broken and deeply nested JSON, wrong types,
# invalid UTF-8, empty inputs, a 10 MB body, too many inputs, unknown model,
# bad `dimensions`, token ids outside the vocabulary, slow headers and
# bodies, unknown routes and methods, HTTP garbage.
set -uo pipefail
TEST_NAME=server_malformed
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/server_common.sh"

start_server "$WORK/server.log" --threads 2 --header-timeout 1s --body-timeout 1s --auto-truncate false \
  --max-concurrent-requests 1

# check NAME WANT(4xx code or "4xx") METHOD PATH BODY-FILE-OR-STRING [curl args]
check() {
  local name=$1 want=$2 method=$3 path=$4 body=$5; shift 5
  local data=(--data-binary "$body")
  [[ -f $body ]] && data=(--data-binary "@$body")
  local code
  code=$(curl -s -o "$WORK/body" -w '%{http_code}' -X "$method" -H 'Content-Type: application/json' "${data[@]}" "$@" "$BASE$path")
  local ok=0
  if [[ $want == 4xx ]]; then [[ $code == 4?? ]] && ok=1; else [[ $code == "$want" ]] && ok=1; fi
  # The error body is JSON in the route's shape.
  if ((ok)) && ! "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "error" in d' "$WORK/body" 2>/dev/null; then
    ok=0; code="$code (body not a JSON error: $(head -c 200 "$WORK/body"))"
  fi
  ((ok)) && pass "$name -> $code" || fail "$name: want $want, got $code $(head -c 200 "$WORK/body")"
  alive
}
alive() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary '{"inputs":"still here"}' "$BASE/embed")
  [[ $code == 200 ]] || fail "server stopped serving (embed -> $code)"
}

E=/v1/embeddings
check "broken JSON" 400 POST $E '{"input": "a",'
check "not JSON" 400 POST /embed 'hello'
check "empty body" 400 POST $E ''
"$PY" -c 'print("[" * 100000 + "]" * 100000, end="")' >"$WORK/deep.json"
check "deeply nested array" 400 POST $E "$WORK/deep.json"
"$PY" -c 'print("{\"input\":" + "{\"a\":" * 5000 + "1" + "}" * 5000 + "}", end="")' >"$WORK/deep2.json"
check "deeply nested object" 400 POST /embed "$WORK/deep2.json"
check "array at top level" 400 POST $E '["a"]'
check "input wrong type" 400 POST $E '{"input":{"text":"a"}}'
check "inputs wrong type" 400 POST /embed '{"inputs":42}'
check "mixed list" 400 POST $E '{"input":["a",1]}'
check "normalize wrong type" 400 POST /embed '{"inputs":"a","normalize":"yes"}'
printf '{"input":"caf\xc3 \xff\xfe"}' >"$WORK/utf8.json"
check "invalid UTF-8" 400 POST $E "$WORK/utf8.json"
printf '{"inputs":["ok","\xed\xa0\x80"]}' >"$WORK/surrogate.json"
check "UTF-8 surrogate" 400 POST /embed "$WORK/surrogate.json"
check "empty input list" 400 POST $E '{"input":[]}'
check "empty string" 400 POST $E '{"input":""}'
check "empty string in list" 400 POST /embed '{"inputs":["a",""]}'
check "missing input" 400 POST $E '{"model":"bert-tiny-random"}'
head -c $((10 << 20)) /dev/zero | tr '\0' 'a' | sed 's/^/{"input":"/; s/$/"}/' >"$WORK/big.json"
check "10 MB body" 413 POST $E "$WORK/big.json"
check "10 MB body without Expect" 413 POST $E "$WORK/big.json" -H 'Expect:'
"$PY" -c 'import json; print(json.dumps({"input": ["x"] * 2049}), end="")' >"$WORK/many.json"
check "2049 inputs" 400 POST $E "$WORK/many.json"
check "unknown model" 404 POST $E '{"input":"a","model":"gpt-9"}'
check "unknown model (TEI)" 404 POST /embed '{"inputs":"a","model":"gpt-9"}'
check "negative dimensions" 400 POST $E '{"input":"a","dimensions":-1}'
check "zero dimensions" 400 POST $E '{"input":"a","dimensions":0}'
check "huge dimensions" 400 POST $E '{"input":"a","dimensions":1000000000000}'
check "dimensions over the model's" 400 POST $E '{"input":"a","dimensions":129}'
check "fractional dimensions" 400 POST /embed '{"inputs":"a","dimensions":2.5}'
check "token id out of vocabulary" 4xx POST $E '{"input":[[101,999999,102]]}'
check "negative token id" 400 POST $E '{"input":[101,-5,102]}'
check "token id beyond int32" 400 POST $E '{"input":[101,99999999999,102]}'
# /decode skips ids outside the vocabulary, as Hugging Face tokenizers' decode does.
decoded=$(curl -s -X POST --data-binary '{"ids":[7592,999999]}' "$BASE/decode")
[[ $decoded == '["hello"]' ]] && pass "decode skips an id outside the vocabulary" || fail "decode: $decoded"
check "bad encoding_format" 400 POST $E '{"input":"a","encoding_format":"fp16"}'
check "bad truncation_direction" 400 POST /embed '{"inputs":"a","truncation_direction":"up"}'
check "bad chunking" 400 POST $E '{"input":"a","chunking":"sometimes"}'
check "too long with truncation off" 413 POST /embed "{\"inputs\":\"$(printf 'word %.0s' {1..700})\"}"
check "unknown prompt_name" 4xx POST /embed '{"inputs":"a","prompt_name":"no-such-prompt"}'
check "unknown route" 404 GET /v2/everything ''
check "unknown route POST" 404 POST /v1/chat/completions '{"messages":[]}'
check "wrong method" 405 GET $E ''
check "wrong method on health" 405 POST /health '{}'
check "bad Content-Length" 400 POST $E '{"input":"a"}' -H 'Content-Length: banana'

# Slow clients: headers that never finish, a body that stops halfway.
slow() {  # slow NAME BYTES...: sends the bytes, waits past the timeout, expects 408
  local name=$1; shift
  local reply
  reply=$("$PY" - "$PORT" "$@" <<'PYEOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.argv[2].encode())
s.settimeout(5)
try:
    print(s.recv(200).decode(errors="replace").split("\r\n")[0])
except Exception as e:
    print("no reply:", e)
PYEOF
  )
  [[ $reply == "HTTP/1.1 408"* ]] && pass "$name -> 408" || fail "$name: got '$reply'"
  alive
}
slow "slow headers" $'POST /embed HTTP/1.1\r\nHost: x\r\nContent-Le'
slow "slow body" $'POST /embed HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"inputs":'
garbage=$("$PY" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)) + b"\r\n\r\n")
s.settimeout(5)
print(s.recv(100).decode(errors="replace").split("\r\n")[0])' "$PORT")
[[ $garbage == "HTTP/1.1 400"* ]] && pass "TLS/garbage bytes -> 400" || fail "garbage: '$garbage'"
alive

# One request at a time (--max-concurrent-requests 1): a burst gets 429s with
# Retry-After, the rest are served.
"$PY" - "$BASE" <<'PYEOF' && pass "burst over the concurrency limit: 429 + Retry-After, others 200" || fail "burst"
import concurrent.futures, json, sys, urllib.error, urllib.request
base = sys.argv[1]
body = json.dumps({"inputs": [f"burst text {i} " + "word " * 200 for i in range(64)]}).encode()
def post(_):
    request = urllib.request.Request(base + "/embed", body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request) as response: return response.status, None
    except urllib.error.HTTPError as e:
        return e.code, (e.headers.get("Retry-After"), json.loads(e.read())["error_type"])
with concurrent.futures.ThreadPoolExecutor(8) as pool: results = list(pool.map(post, range(8)))
print(results)
codes = [code for code, _ in results]
assert set(codes) <= {200, 429} and 200 in codes and 429 in codes, codes
assert all(extra == ("1", "Overloaded") for code, extra in results if code == 429)
PYEOF
alive

# Nothing above may have produced a 5xx.
if grep -E ' request .*status=5[0-9][0-9]' "$WORK/server.log" >/dev/null; then
  fail "5xx in the log: $(grep -E 'status=5[0-9][0-9]' "$WORK/server.log" | head -3)"
else pass "no 5xx answered"; fi
stop_server TERM
[[ $STOP_STATUS == 0 ]] && pass "server alive to the end, SIGTERM exits 0" || fail "exit status $STOP_STATUS"
finish
