#!/usr/bin/env bash
# Tokenizer parity: `textembed tokenize` must give the same ids, tokens and
# UTF-8 byte offsets as Hugging Face `tokenizers` (npm binding, Rust core) for
# every tokenizer.json in shared/models/*/ and shared/tokenizers/*/, on all the
# text in shared/data/ plus tests/data/adversarial.jsonl.
#
# Run by ctest (env TEXTEMBED_BIN, TEXTEMBED_SOURCE_DIR, TEXTEMBED_DEFAULT_TEST_DATA)
# or by hand:
#   TEXTEMBED_BIN=build/release/textembed tests/integration/tokenizer_parity_test.sh
# Optional env:
#   TEXTEMBED_TEST_DATA  shared/ folder (default: the ctest default, else ../shared)
#   PARITY_ONLY          regex; run only cases whose "tokenizer/input/variant" label matches
#   PARITY_KEEP=1        keep the work folder (inputs, expected and got JSONL)
#   PARITY_FAILURES      file to append failing cases to (default: none)
#
# Every text is fed to both sides as a JSON string (--jsonl), so tabs, "\r",
# NUL and newlines inside a text survive; the one exception is corrupted_utf8,
# raw invalid UTF-8 fed line by line (see below). Tokenizer files with identical content
# (the three model folders share one tokenizer.json) are run once. Nothing is
# sampled: a full run took 196 s on the shared 2-core machine (load ~10),
# almost all of it HF and node start-up.
# Exit status: 0 all identical; 1 any mismatch, a crash, or a missing tool.
set -euo pipefail

TEST_NAME=tokenizer_parity_test
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ -d $DATA_DIR/tokenizers ]] || die "shared data not found at $DATA_DIR"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tokenizer_parity.XXXXXX")
cleanup() { if [[ ${PARITY_KEEP:-0} == 1 ]]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT

# --- Inputs: every text as one JSON string per line --------------------------
mkdir -p "$WORK/in"
# Plain text, one text per line ("\n" only; no text here contains "\r").
lines_to_jsonl() {
  node -e '
    const fs = require("fs");
    let out = "";
    for (const file of process.argv.slice(1)) {
      const lines = fs.readFileSync(file, "utf8").split("\n");
      if (lines[lines.length - 1] === "") lines.pop();
      for (const line of lines) out += JSON.stringify(line) + "\n";
    }
    process.stdout.write(out);' "$@"
}
D=$DATA_DIR/data
lines_to_jsonl "$D/corpus/squad_v1.1_dev_questions.txt" >"$WORK/in/squad_questions.jsonl"
lines_to_jsonl "$D/corpus/ag_news_test.txt" >"$WORK/in/ag_news.jsonl"
lines_to_jsonl "$D/corpus/bbc_news_paragraphs.txt" >"$WORK/in/bbc_paragraphs.jsonl"
lines_to_jsonl "$D/corpus/bbc_news_articles.txt" >"$WORK/in/bbc_articles.jsonl"
# multilingual_sample = every non-English Tatoeba text + the stress strings, so
# only the English sides of the Tatoeba pairs are added separately.
lines_to_jsonl "$D/multilingual/multilingual_sample.txt" >"$WORK/in/multilingual.jsonl"
lines_to_jsonl "$D/multilingual/stress_inputs.txt" >"$WORK/in/stress.jsonl"
lines_to_jsonl "$D"/multilingual/tatoeba/tatoeba.*-eng.eng >"$WORK/in/tatoeba_eng.jsonl"
# STS-B sentences are already JSONL ({"text": ...}).
cp "$D/goldens/stsb-dev-sentences.jsonl" "$WORK/in/stsb.jsonl"
# The conformance inputs keep their original tabs and newlines.
node -e '
  const inputs = require(process.argv[1]);
  const list = Array.isArray(inputs) ? inputs : inputs.inputs;
  process.stdout.write(list.map((x) => JSON.stringify(typeof x === "string" ? x : x.text)).join("\n") + "\n");' \
  "$D/tokenizer_conformance/multilingual/inputs.json" >"$WORK/in/conformance.jsonl"
cp "$SRC_DIR/tests/data/adversarial.jsonl" "$WORK/in/adversarial.jsonl"
# Invalid UTF-8 (HF cannot take it, so hf_tokenize.js decodes each line the way
# textembed does, maximal invalid subpart -> U+FFFD, and maps offsets back to
# the raw bytes): multilingual lines with bytes deterministically corrupted
# (stray continuation bytes, truncated sequences, 0xC0/0xF5..0xFF, surrogates).
# Raw bytes, fed without --jsonl.
node -e '
  const fs = require("fs");
  const src = fs.readFileSync(process.argv[1]);
  const lines = [];
  for (let s = 0, nl; s < src.length && lines.length < 4000; s = nl + 1) {
    nl = src.indexOf(10, s); if (nl < 0) nl = src.length;
    lines.push(src.subarray(s, nl));
  }
  const junk = [[0xff], [0x80], [0xc0, 0xaf], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xed, 0xa0, 0x80],
                [0xf4, 0x90, 0x80, 0x80], [0xc3], [0xfe, 0xfe], [0xe0, 0x80, 0xaf]];
  let seed = 12345;
  const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const out = [];
  for (const line of lines) {
    const bytes = Array.from(line);
    const edits = 1 + rand(3);
    for (let e = 0; e < edits; ++e) {
      const at = rand(bytes.length + 1);
      if (rand(2) && bytes.length) bytes.splice(at, 1);  // may cut a multibyte sequence
      bytes.splice(Math.min(at, bytes.length), 0, ...junk[rand(junk.length)]);
    }
    out.push(Buffer.from(bytes));
  }
  fs.writeFileSync(process.argv[2], Buffer.concat(out.flatMap((b) => [b, Buffer.from("\n")])));' \
  "$D/multilingual/multilingual_sample.txt" "$WORK/in/corrupted_utf8.raw"

ALL_INPUTS=(squad_questions ag_news bbc_paragraphs bbc_articles multilingual stress tatoeba_eng stsb
  conformance adversarial corrupted_utf8)
# Variants beyond the default (tokenizer.json's truncation, special tokens on):
#   full:        no truncation (--max-length 0): long articles and words in full
#   nospecial:   no special tokens, no truncation
#   max16:       truncation at 16 tokens, special tokens included
#   max16-nosp:  truncation at 16 tokens without special tokens
# (bbc_articles is added to "full" only for tokenizers that truncate by default;
# for the others "default" already covers it.)
FULL_INPUTS=(adversarial conformance)
NOSPECIAL_INPUTS=(squad_questions multilingual adversarial conformance corrupted_utf8)
MAX16_INPUTS=(ag_news multilingual adversarial)
MAX16_NOSP_INPUTS=(stress adversarial)
#   max2:        --max-length 2: room for the special tokens only (a limit below
#                their count is rejected by textembed; cli_tokenize_test checks that)
MAX2_INPUTS=(stress)

# --- Tokenizers: unique tokenizer.json files ---------------------------------
declare -A seen_hash=()
TOKENIZERS=()
for dir in "$DATA_DIR"/models/*/ "$DATA_DIR"/tokenizers/*/; do
  file=$dir/tokenizer.json
  [[ -f $file ]] || continue
  name=$(basename "$dir")
  hash=$(sha256sum "$file" | cut -c1-64)
  if [[ -n ${seen_hash[$hash]:-} ]]; then
    echo "note: $name/tokenizer.json is identical to ${seen_hash[$hash]}'s; run once"
    continue
  fi
  seen_hash[$hash]=$name
  TOKENIZERS+=("$name=$file")
done
((${#TOKENIZERS[@]})) || die "no tokenizer.json found under $DATA_DIR/{models,tokenizers}"

# --- Run ---------------------------------------------------------------------
total_cases=0
failed_cases=0
summary=()
DIFF_LOG=$WORK/diffs.txt
: >"$DIFF_LOG"

# run_case NAME FILE INPUT VARIANT FLAGS...
run_case() {
  local name=$1 file=$2 input=$3 variant=$4
  shift 4
  local label="$name/$input/$variant"
  if [[ -n ${PARITY_ONLY:-} && ! $label =~ $PARITY_ONLY ]]; then return 0; fi
  local base=$WORK/$name.$input.$variant
  total_cases=$((total_cases + 1))
  local hf_rc=0 te_rc=0 in_file=$WORK/in/$input.jsonl mode=(--jsonl)
  if [[ ! -f $in_file ]]; then in_file=$WORK/in/$input.raw mode=(); fi
  node "$NODE_DIR/hf_tokenize.js" --model "$file" "${mode[@]}" "$@" \
    <"$in_file" >"$base.expected.jsonl" 2>"$base.hf.err" &
  local hf_pid=$!
  "$BIN" tokenize --model "$file" "${mode[@]}" "$@" \
    <"$in_file" >"$base.got.jsonl" 2>"$base.te.err" || te_rc=$?
  wait "$hf_pid" || hf_rc=$?
  if ((hf_rc != 0)); then
    echo "FAIL $label: reference hf_tokenize.js failed (exit $hf_rc): $(head -c 500 "$base.hf.err")"
    failed_cases=$((failed_cases + 1))
    summary+=("$label: reference failed")
    return 0
  fi
  if ((te_rc != 0)); then
    echo "FAIL $label: textembed tokenize exit $te_rc: $(head -c 500 "$base.te.err")"
    echo "$label: textembed tokenize exit $te_rc: $(head -c 500 "$base.te.err")" >>"$DIFF_LOG"
  fi
  local line
  if line=$(node "$NODE_DIR/compare_tokenizations.js" "$base.expected.jsonl" "$base.got.jsonl" \
    --texts "$in_file" --label "$label" --max-diffs 3 --diff-log "$DIFF_LOG") &&
    ((te_rc == 0)); then
    summary+=("$(head -n1 <<<"$line")")
  else
    echo "$line"
    failed_cases=$((failed_cases + 1))
    summary+=("$(head -n1 <<<"$line")  <-- FAIL")
  fi
  rm -f "$base.expected.jsonl" "$base.got.jsonl"
}

start=$SECONDS
for entry in "${TOKENIZERS[@]}"; do
  name=${entry%%=*}
  file=${entry#*=}
  for input in "${ALL_INPUTS[@]}"; do run_case "$name" "$file" "$input" default; done
  full_inputs=("${FULL_INPUTS[@]}")
  if node -e 'process.exit(require(process.argv[1]).truncation ? 0 : 1)' "$file"; then
    full_inputs+=(bbc_articles)
  fi
  for input in "${full_inputs[@]}"; do run_case "$name" "$file" "$input" full --max-length 0; done
  for input in "${NOSPECIAL_INPUTS[@]}"; do
    run_case "$name" "$file" "$input" nospecial --no-special-tokens --max-length 0
  done
  for input in "${MAX16_INPUTS[@]}"; do run_case "$name" "$file" "$input" max16 --max-length 16; done
  for input in "${MAX16_NOSP_INPUTS[@]}"; do
    run_case "$name" "$file" "$input" max16-nosp --max-length 16 --no-special-tokens
  done
  for input in "${MAX2_INPUTS[@]}"; do run_case "$name" "$file" "$input" max2 --max-length 2; done
done

echo
echo "=== tokenizer parity summary ($((SECONDS - start)) s) ==="
printf '%s\n' "${summary[@]}"
echo "$((total_cases - failed_cases))/$total_cases cases identical"
if [[ -n ${PARITY_FAILURES:-} && -s $DIFF_LOG ]]; then cat "$DIFF_LOG" >>"$PARITY_FAILURES"; fi
((total_cases > 0)) || die "no case ran (PARITY_ONLY=${PARITY_ONLY:-} matched nothing?)"
((failed_cases == 0))
