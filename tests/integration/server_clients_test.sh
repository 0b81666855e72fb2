#!/usr/bin/env bash
# textembed serve with real clients: the official `openai` Python client
# (float, base64, dimensions, token ids) and huggingface_hub's InferenceClient
# (TEI /embed) must give the vectors `textembed embed` gives for the same
# texts; curl covers the other routes; promtool checks /metrics after the
# traffic; the API key is required everywhere but /health; SIGTERM exits 0.
set -uo pipefail
TEST_NAME=server_clients
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/server_common.sh"
command -v promtool >/dev/null || die "promtool not found (scripts/setup.sh installs prometheus)"

KEY=test-key-$RANDOM
start_server "$WORK/server.log" --api-key "$KEY" --threads 2 \
  --model "mini=$DATA_DIR/models/minilm-l6-random"
texts=("The quick brown fox jumps over the lazy dog." "hello world" "Ein Satz auf Deutsch." "日本語の文です。"
  "$(printf 'long %.0s' {1..400})")
printf '%s\n' "${texts[@]}" >"$WORK/texts.txt"
"$BIN" embed --model "$MODEL_DIR" --threads 2 <"$WORK/texts.txt" >"$WORK/reference.jsonl" || die "textembed embed failed"

"$PY" - "$BASE" "$KEY" "$MODEL_NAME" "$WORK/texts.txt" "$WORK/reference.jsonl" <<'PYEOF' && pass "python clients" || fail "python clients"
import base64, json, math, struct, sys
from openai import OpenAI
from huggingface_hub import InferenceClient

base, key, model, texts_file, ref_file = sys.argv[1:]
texts = open(texts_file, encoding="utf-8").read().split("\n")[:-1]
reference = [json.loads(line)["embedding"] for line in open(ref_file)]
failures = []

def check(name, got, want, tol=1e-6):
    if len(got) != len(want):
        failures.append(f"{name}: {len(got)} rows, want {len(want)}"); return
    worst = max(abs(a - b) for g, w in zip(got, want) for a, b in zip(g, w)) if got else 0
    sizes = {len(g) for g in got} == {len(w) for w in want}
    print(f"{name}: {len(got)} rows, max |diff| {worst:.3g}")
    if worst > tol or not sizes:
        failures.append(f"{name}: max |diff| {worst} > {tol} or sizes differ")

client = OpenAI(base_url=base + "/v1", api_key=key, max_retries=0)
floats = client.embeddings.create(model=model, input=texts, encoding_format="float")
check("openai float", [d.embedding for d in floats.data], reference)
if floats.model != model or floats.usage.prompt_tokens <= 0 or [d.index for d in floats.data] != list(range(len(texts))):
    failures.append(f"openai float: model {floats.model} usage {floats.usage} indexes wrong")
b64 = client.embeddings.create(model=model, input=texts, encoding_format="base64")
def unpack(encoded):  # what the client does when it picks base64 itself
    raw = base64.b64decode(encoded)
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))
check("openai base64", [unpack(d.embedding) for d in b64.data], reference)
default = client.embeddings.create(model=model, input=texts[0])  # the client's default format
check("openai default", [d.embedding for d in default.data], reference[:1])

def truncated(row, n):
    norm = math.sqrt(sum(v * v for v in row[:n]))
    return [v / norm for v in row[:n]]
dims = client.embeddings.create(model=model, input=texts, dimensions=32, encoding_format="float")
check("openai dimensions=32", [d.embedding for d in dims.data], [truncated(r, 32) for r in reference])

# Token ids are the text's own tokens; the service adds the model's special tokens ([CLS] ... [SEP]).
tok = client.embeddings.create(model=model, input=[[7592, 2088]], encoding_format="float")
check("openai token ids", [tok.data[0].embedding], [reference[1]])

models = client.models.list()
if [m.id for m in models.data] != [model, "mini"]:
    failures.append(f"models.list: {[m.id for m in models.data]}")
mini = client.embeddings.create(model="mini", input=texts[:2], encoding_format="float")
if mini.model != "mini" or [len(d.embedding) for d in mini.data] != [384, 384]:
    failures.append(f"second model: {mini.model} {[len(d.embedding) for d in mini.data]}")

hf = InferenceClient(base_url=base, api_key=key)
check("huggingface_hub feature_extraction", hf.feature_extraction(texts).tolist(), reference)

try:
    OpenAI(base_url=base + "/v1", api_key="wrong", max_retries=0).embeddings.create(model=model, input="x")
    failures.append("a wrong API key was accepted")
except Exception as e:
    print("wrong key refused:", type(e).__name__)
    if "401" not in str(e) and "Authentication" not in type(e).__name__:
        failures.append(f"wrong key: unexpected {e!r}")
try:
    client.embeddings.create(model="no-such-model", input="x")
    failures.append("unknown model accepted")
except Exception as e:
    if "404" not in str(e) and "NotFound" not in type(e).__name__:
        failures.append(f"unknown model: unexpected {e!r}")

for f in failures: print("FAIL:", f)
sys.exit(1 if failures else 0)
PYEOF

auth=(-H "Authorization: Bearer $KEY")
expect() {  # expect NAME WANT_STATUS GOT ["body check regex"]
  local name=$1 want=$2 got=$3 pattern=${4-}
  if [[ ${got%% *} == "$want" && ( -z $pattern || ${got#* } =~ $pattern ) ]]; then pass "$name"
  else fail "$name: got ${got:0:300}"; fi
}
expect "health is open" 200 "$(http GET /health)"
expect "info needs the key" 401 "$(http GET /info)" '"error_type":"Unauthorized"'
expect "wrong key refused" 401 "$(http POST /v1/embeddings '{"input":"a"}' -H 'Authorization: Bearer nope')" '"code":"invalid_api_key"'
expect "info" 200 "$(http GET /info '' "${auth[@]}")" '"model_id":"bert-tiny-random".*"dimension":128'
expect "models" 200 "$(http GET /v1/models '' "${auth[@]}")" '"id":"bert-tiny-random".*"id":"mini"'
expect "tokenize" 200 "$(http POST /tokenize '{"inputs":"hello world"}' "${auth[@]}")" \
  '^\[\[\{"id":101,"text":"\[CLS\]","special":true,"start":null,"stop":null\},\{"id":7592,"text":"hello","special":false,"start":0,"stop":5\},\{"id":2088,"text":"world","special":false,"start":6,"stop":11\},\{"id":102'
expect "tokenize without special tokens" 200 \
  "$(http POST /tokenize '{"inputs":["hello"],"add_special_tokens":false}' "${auth[@]}")" '^\[\[\{"id":7592,'
expect "decode" 200 "$(http POST /decode '{"ids":[101,7592,2088,102]}' "${auth[@]}")" '^\["hello world"\]$'
all=$(http POST /embed_all '{"inputs":["hello world"]}' "${auth[@]}")
rows=$(printf '%s' "${all#* }" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(len(d), len(d[0]), len(d[0][0]))')
expect "embed_all: 1 text x 4 tokens x 128" 200 "${all%% *} $rows" '^1 4 128$'
expect "too long with truncate=false is 413" 413 \
  "$(http POST /embed "{\"inputs\":\"$(printf 'word %.0s' {1..600})\",\"truncate\":false}" "${auth[@]}")" '"error_type"'
chunks=$(http POST /v1/embeddings "{\"input\":\"$(printf 'word %.0s' {1..600})\",\"chunking\":\"each\",\"encoding_format\":\"float\"}" "${auth[@]}")
nchunks=$(printf '%s' "${chunks#* }" | "$PY" -c 'import json,sys; d=json.load(sys.stdin)["data"]; print(len(d), all(x["text_index"]==0 for x in d), d[-1]["end"] > 2900)')
expect "chunking=each gives several rows of one text" 200 "${chunks%% *} $nchunks" '^[2-9] True True$'

metrics=$(curl -s "$METRICS/metrics")
if printf '%s\n' "$metrics" | promtool check metrics >"$WORK/promtool.txt" 2>&1; then pass "promtool check metrics"
else fail "promtool check metrics: $(head -5 "$WORK/promtool.txt")"; fi
grep -q 'textembed_http_requests_total{route="/v1/embeddings",status="200"}' <<<"$metrics" \
  && pass "HTTP metrics on the metrics port" || fail "no textembed_http_requests_total for /v1/embeddings"
[[ $(grep -c ' request ' "$WORK/server.log") -ge 10 ]] && pass "one log line per request" || fail "request log lines missing"

stop_server TERM
[[ $STOP_STATUS == 0 ]] && pass "SIGTERM exits 0" || fail "SIGTERM exit status $STOP_STATUS"
grep -q ' stopped ' "$WORK/server.log" && pass "stopped log line" || fail "no stopped line: $(tail -3 "$WORK/server.log")"
finish
