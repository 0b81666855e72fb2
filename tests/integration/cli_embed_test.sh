#!/usr/bin/env bash
# Contract of `textembed embed` and `textembed bench`: output formats, row order,
# agreement with the reference embeddings, exit codes and error messages.
# Run by ctest (env TEXTEMBED_BIN, TEXTEMBED_SOURCE_DIR, TEXTEMBED_DEFAULT_TEST_DATA)
# or by hand: TEXTEMBED_BIN=build/release/textembed tests/integration/cli_embed_test.sh
set -uo pipefail

TEST_NAME=cli_embed_test
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
MODEL=$DATA_DIR/models/minilm-l6-random
[[ -f $MODEL/model.safetensors ]] || die "shared data not found at $DATA_DIR"

make_work_dir
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }

# The first 200 STS-B golden sentences, as JSON lines and as plain lines.
head -n 200 "$DATA_DIR/data/goldens/stsb-dev-sentences.jsonl" > "$WORK/texts.jsonl"
node -e 'for (const l of require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n")) console.log(JSON.parse(l).text)' \
  "$WORK/texts.jsonl" > "$WORK/texts.txt"

"$BIN" embed --model "$MODEL" --jsonl --output f32 --threads 2 < "$WORK/texts.jsonl" > "$WORK/out.f32" 2> "$WORK/err" \
  || fail "embed --output f32 exited $?: $(cat "$WORK/err")"
"$BIN" embed --model "$MODEL" --threads 1 --batch-tokens 97 < "$WORK/texts.txt" > "$WORK/out.jsonl" 2> "$WORK/err" \
  || fail "embed --output jsonl exited $?: $(cat "$WORK/err")"

# f32 rows equal the reference rows; jsonl rows equal the f32 rows.
node - "$WORK/out.f32" "$WORK/out.jsonl" "$DATA_DIR/data/goldens/stsb-dev-sentences.minilm-l6-random.f32" <<'JS' \
  && pass "embed f32 and jsonl agree with each other and with the reference (cosine >= 0.99999)" \
  || fail "embed output does not match the reference"
const fs = require('fs');
const [f32Path, jsonlPath, goldenPath] = process.argv.slice(2);
const dim = 384, rows = 200;
const toFloats = (b) => new Float32Array(b.buffer, b.byteOffset, b.length / 4);
const got = toFloats(fs.readFileSync(f32Path));
const golden = toFloats(fs.readFileSync(goldenPath));
if (got.length !== rows * dim) { console.error(`f32 has ${got.length} floats, want ${rows * dim}`); process.exit(1); }
const lines = fs.readFileSync(jsonlPath, 'utf8').trim().split('\n');
if (lines.length !== rows) { console.error(`jsonl has ${lines.length} lines, want ${rows}`); process.exit(1); }
let minCos = 1, maxDiff = 0;
for (let r = 0; r < rows; ++r) {
  const row = JSON.parse(lines[r]).embedding;
  if (row.length !== dim) { console.error(`row ${r} has ${row.length} values`); process.exit(1); }
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < dim; ++i) {
    const a = got[r * dim + i], b = golden[r * dim + i];
    ab += a * b; aa += a * a; bb += b * b;
    maxDiff = Math.max(maxDiff, Math.abs(row[i] - a));
  }
  minCos = Math.min(minCos, ab / Math.sqrt(aa * bb));
}
console.log(`min cosine vs reference ${minCos.toFixed(8)}, max |jsonl - f32| ${maxDiff.toExponential(2)}`);
process.exit(minCos >= 0.99999 && maxDiff <= 1e-6 ? 0 : 1);
JS

# Empty input: no output, success.
"$BIN" embed --model "$MODEL" < /dev/null > "$WORK/empty" 2>&1
check "empty input gives no output and exit 0" test $? -eq 0 -a ! -s "$WORK/empty"

# Invalid UTF-8 and control bytes are embedded, not rejected.
printf 'caf\xc3\nnul\x00byte\n\xff\xfe\n' | "$BIN" embed --model "$MODEL" --output f32 > "$WORK/odd.f32" 2> "$WORK/err"
check "invalid UTF-8 lines are embedded (3 rows)" test $? -eq 0 -a "$(stat -c %s "$WORK/odd.f32")" -eq $((3 * 384 * 4))

# expect NAME WANT_RC REGEX CMD...: exit status and a message naming the problem.
expect() {
  local name=$1 want=$2 regex=$3; shift 3
  local rc=0
  "$@" > "$WORK/out" 2> "$WORK/err" < "${STDIN:-/dev/null}" || rc=$?
  if [[ $rc -eq $want ]] && grep -Eq "$regex" "$WORK/err"; then pass "$name"
  else fail "$name: want exit $want and stderr /$regex/, got $rc: $(head -c 300 "$WORK/err")"; fi
}
expect "missing model folder" 1 "error: .*not a model folder" "$BIN" embed --model "$WORK/nope"
mkdir -p "$WORK/broken"
cp "$MODEL/config.json" "$MODEL/tokenizer.json" "$WORK/broken/"
head -c 1000 "$MODEL/model.safetensors" > "$WORK/broken/model.safetensors"
expect "truncated weights name the file" 1 "error: .*model.safetensors" "$BIN" embed --model "$WORK/broken"
printf '"ok"\n{"text": 3}\n' > "$WORK/bad.jsonl"
STDIN=$WORK/bad.jsonl expect "bad --jsonl line names its number" 1 "error: .*line 2" "$BIN" embed --model "$MODEL" --jsonl
expect "unknown --output is a usage error" 2 "output" "$BIN" embed --model "$MODEL" --output xml
expect "bench without input file" 1 "error: .*cannot open" "$BIN" bench --model "$MODEL" --input "$WORK/none.txt"

# A bad line never loses the lines before it: 5,000 good lines and a broken
# 5,001st give 5,000 results (stop), or 5,000 results plus an error record
# and the lines after it (skip); the exit status is 1 either way.
TINY=$DATA_DIR/models/bert-tiny-random
node -e 'for (let i = 0; i < 5000; ++i) console.log(JSON.stringify("line " + i)); console.log("{broken"); console.log(JSON.stringify("after"))' > "$WORK/bad5001.jsonl"
"$BIN" embed --model "$TINY" --jsonl < "$WORK/bad5001.jsonl" > "$WORK/stop.out" 2> "$WORK/err"; rc=$?
check "--on-error stop: 5000 results before the bad line, exit 1, error names line 5001" \
  test $rc -eq 1 -a "$(wc -l < "$WORK/stop.out")" -eq 5000 -a -n "$(grep 'line 5001' "$WORK/err")"
"$BIN" embed --model "$TINY" --jsonl --on-error skip < "$WORK/bad5001.jsonl" > "$WORK/skip.out" 2> "$WORK/err"; rc=$?
check "--on-error skip: an error record in place of line 5001, the run goes on, exit 1" \
  test $rc -eq 1 -a "$(wc -l < "$WORK/skip.out")" -eq 5002 -a "$(sed -n 5001p "$WORK/skip.out" | cut -c1-20)" = '{"error":"invalid JS' \
  -a "$(sed -n 5002p "$WORK/skip.out" | cut -c1-13)" = '{"embedding":'
STDIN=$WORK/bad5001.jsonl expect "--on-error skip with f32 is a usage error" 2 "needs --output jsonl" \
  "$BIN" embed --model "$TINY" --jsonl --on-error skip --output f32

# --chunk: a text longer than max_length gets the mean of its chunks (differs
# from the truncated vector); a short text is unchanged. --cache-dir: a second
# run reads the same vectors back.
long=$(for i in $(seq 1 40); do printf 'word%d is here. ' "$i"; done)
printf '%s\nshort text\n' "$long" > "$WORK/long.txt"
"$BIN" embed --model "$TINY" --max-length 32 --output f32 < "$WORK/long.txt" > "$WORK/trunc.f32" 2> "$WORK/err"
"$BIN" embed --model "$TINY" --max-length 32 --chunk --overlap 8 --output f32 --cache-dir "$WORK/cache" \
  < "$WORK/long.txt" > "$WORK/chunk.f32" 2> "$WORK/err"
"$BIN" embed --model "$TINY" --max-length 32 --chunk --overlap 8 --output f32 --cache-dir "$WORK/cache" \
  < "$WORK/long.txt" > "$WORK/chunk2.f32" 2> "$WORK/err2"
check "--chunk changes the long text's vector only" test "$(cmp "$WORK/trunc.f32" "$WORK/chunk.f32" | grep -c 'byte')" -eq 1 \
  -a "$(tail -c 512 "$WORK/trunc.f32" | md5sum)" = "$(tail -c 512 "$WORK/chunk.f32" | md5sum)"
check "--cache-dir: a second run gives the same bytes" cmp -s "$WORK/chunk.f32" "$WORK/chunk2.f32"
check "--cache-dir holds an LMDB store" test -n "$(ls "$WORK/cache")"

# models: one JSON line per model with what it is.
"$BIN" models --models-dir "$DATA_DIR/models" > "$WORK/models.out" 2> "$WORK/err"; rc=$?
check "models lists the shared models (all-MiniLM-L6-v2 has no weights: an error line, exit 1)" \
  test $rc -eq 1 -a -n "$(grep '"name":"bert-tiny-random"' "$WORK/models.out" | grep '"dimension":128' | grep '"modules":"modules.json')" \
  -a -n "$(grep '"name":"all-MiniLM-L6-v2"' "$WORK/models.out" | grep '"error"')"

# bench prints one JSON line with the figures scripts read.
"$BIN" bench --model "$MODEL" --input "$WORK/texts.txt" --limit 50 --repeat 1 > "$WORK/bench.json" 2> "$WORK/err"
check "bench prints texts/tokens/seconds JSON" node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  process.exit(r.texts === 50 && r.tokens > 50 && r.seconds > 0 && r.tokens_per_s > 0 ? 0 : 1)' "$WORK/bench.json"

finish
