#!/usr/bin/env bash
# Contract of `textembed tokenize` that other tools script against: exit codes,
# error messages, line handling, invalid UTF-8, very long lines.
# Run by ctest (env TEXTEMBED_BIN, TEXTEMBED_SOURCE_DIR, TEXTEMBED_DEFAULT_TEST_DATA)
# or by hand: TEXTEMBED_BIN=build/release/textembed tests/integration/cli_tokenize_test.sh
set -uo pipefail

TEST_NAME=cli_tokenize_test
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
MINILM=$DATA_DIR/models/minilm-l6-random
[[ -f $MINILM/tokenizer.json ]] || die "shared data not found at $DATA_DIR"

make_work_dir

# run STDIN_FILE ARGS...: textembed tokenize; sets rc, $WORK/out, $WORK/err.
run() { run_textembed tokenize "$@"; }
# expect_error NAME WANT_RC MESSAGE_REGEX
expect_error() {
  local name=$1 want=$2 regex=$3
  if [[ $rc -eq $want ]] && grep -Eq "$regex" "$WORK/err"; then
    pass "$name"
  else
    fail "$name: want exit $want and stderr matching /$regex/, got exit $rc, stderr: $(head -c 300 "$WORK/err")"
  fi
}
lines() { wc -l <"$1" | tr -d ' '; }
# JSON-valid output with N lines whose offsets lie within the input lines.
check_output() {
  node - "$@" <<'EOF'
const fs = require('fs');
const [outFile, inFile, wantLines] = process.argv.slice(2);
const out = fs.readFileSync(outFile, 'utf8').split('\n'); out.pop();
const input = fs.readFileSync(inFile);
const inLines = [];
for (let s = 0, nl; s < input.length; s = nl + 1) {
  nl = input.indexOf(10, s); if (nl < 0) nl = input.length;
  inLines.push(input.subarray(s, nl));
}
if (out.length !== Number(wantLines)) throw new Error(`want ${wantLines} lines, got ${out.length}`);
out.forEach((line, i) => {
  const e = JSON.parse(line);
  if (e.ids.length !== e.tokens.length || e.ids.length !== e.offsets.length) throw new Error(`line ${i + 1}: lengths differ`);
  for (const [b, end] of e.offsets) {
    if (!(0 <= b && b <= end && end <= inLines[i].length)) throw new Error(`line ${i + 1}: offset [${b},${end}] outside ${inLines[i].length} bytes`);
  }
});
EOF
}

# --- usage and model errors ---------------------------------------------------
echo hello >"$WORK/hello.txt"
run "$WORK/hello.txt"
[[ $rc -ne 0 ]] && grep -q -- "--model" "$WORK/err" && pass "missing --model is a usage error (exit $rc)" ||
  fail "missing --model: exit $rc, stderr: $(head -c 300 "$WORK/err")"
[[ $rc -eq 2 ]] && pass "usage errors exit 2" || fail "usage errors exit 2 (commands.h kExitUsage), got $rc"

run "$WORK/hello.txt" --model "$WORK/does-not-exist"
expect_error "nonexistent model path" 1 "^textembed tokenize: error: .*does-not-exist"

mkdir -p "$WORK/empty_dir"
run "$WORK/hello.txt" --model "$WORK/empty_dir"
expect_error "folder without tokenizer.json" 1 "^textembed tokenize: error: .*tokenizer\.json"

mkdir -p "$WORK/bad_json"
printf '{"model": {"type": "WordPiece", "vocab": {"a": 0' >"$WORK/bad_json/tokenizer.json"
run "$WORK/hello.txt" --model "$WORK/bad_json"
expect_error "truncated tokenizer.json" 1 "^textembed tokenize: error: .*tokenizer\.json"

mkdir -p "$WORK/no_model"
printf '{"version": "1.0", "normalizer": null}' >"$WORK/no_model/tokenizer.json"
run "$WORK/hello.txt" --model "$WORK/no_model/tokenizer.json"
expect_error "tokenizer.json without a model" 1 "^textembed tokenize: error: .*model"

mkdir -p "$WORK/bad_type"
printf '{"model": {"type": "NoSuchModel", "vocab": {}}}' >"$WORK/bad_type/tokenizer.json"
run "$WORK/hello.txt" --model "$WORK/bad_type"
expect_error "unknown model type" 1 "^textembed tokenize: error: .*NoSuchModel"

run "$WORK/hello.txt" --model "$MINILM" --max-length -3
[[ $rc -ne 0 && $rc -ne 1 ]] && pass "negative --max-length is a usage error (exit $rc)" ||
  fail "negative --max-length: exit $rc, stderr: $(head -c 300 "$WORK/err")"

run "$WORK/hello.txt" --model "$MINILM" --max-length 1
expect_error "--max-length below the special tokens" 1 "^textembed tokenize: error: .*line 1: .*smaller than the 2 special tokens"

# --- --jsonl input errors -----------------------------------------------------
printf '"first"\n{"text": "second"}\nnot json\n"fourth"\n' >"$WORK/bad3.jsonl"
run "$WORK/bad3.jsonl" --model "$MINILM" --jsonl
expect_error "bad --jsonl line names its number" 1 "^textembed tokenize: error: line 3: "
[[ $(lines "$WORK/out") == 2 ]] && pass "lines before the bad one are written" ||
  fail "lines before the bad one: want 2 output lines, got $(lines "$WORK/out")"

printf '{"txt": "x"}\n' >"$WORK/notext.jsonl"
run "$WORK/notext.jsonl" --model "$MINILM" --jsonl
expect_error "object without \"text\"" 1 "line 1: .*text"
printf '42\n' >"$WORK/number.jsonl"
run "$WORK/number.jsonl" --model "$MINILM" --jsonl
expect_error "JSON number instead of text" 1 "line 1: "
printf '"a"\n\n"b"\n' >"$WORK/blank.jsonl"
run "$WORK/blank.jsonl" --model "$MINILM" --jsonl
expect_error "blank --jsonl line is an error" 1 "line 2: "
printf '"unterminated\n' >"$WORK/unterminated.jsonl"
run "$WORK/unterminated.jsonl" --model "$MINILM" --jsonl
expect_error "unterminated JSON string" 1 "line 1: "

# --- plain lines: empty lines, CR, empty input --------------------------------
printf 'Hello world\n\nlast line without newline' >"$WORK/plain.txt"
run "$WORK/plain.txt" --model "$MINILM"
if [[ $rc -eq 0 ]] && check_output "$WORK/out" "$WORK/plain.txt" 3 &&
  [[ $(sed -n 2p "$WORK/out") == '{"ids":[101,102],"tokens":["[CLS]","[SEP]"],"offsets":[[0,0],[0,0]]}' ]]; then
  pass "empty line gives [CLS] [SEP]; last line without newline is read"
else
  fail "empty line / missing final newline: exit $rc, output: $(head -c 400 "$WORK/out")"
fi
run "$WORK/plain.txt" --model "$MINILM" --no-special-tokens
[[ $rc -eq 0 && $(sed -n 2p "$WORK/out") == '{"ids":[],"tokens":[],"offsets":[]}' ]] &&
  pass "empty line without special tokens is empty" || fail "empty line --no-special-tokens: $(sed -n 2p "$WORK/out")"

: >"$WORK/nothing.txt"
run "$WORK/nothing.txt" --model "$MINILM"
[[ $rc -eq 0 && ! -s $WORK/out ]] && pass "empty input: no output, exit 0" || fail "empty input: exit $rc"

printf 'crlf line\r\n' >"$WORK/crlf.txt"
run "$WORK/crlf.txt" --model "$DATA_DIR/tokenizers/gpt2"
[[ $rc -eq 0 ]] && grep -q '"Ċ"\|"č"' "$WORK/out" && pass "CR before LF is kept as part of the text" ||
  fail "CR handling: $(cat "$WORK/out")"

# --- invalid UTF-8: U+FFFD semantics, offsets into the original bytes ---------
# Each maximal invalid subpart reads as U+FFFD; the reference decodes the same
# way and maps HF's offsets back to the original bytes (hf_tokenize.js).
printf 'ab\xffcd \xc3\xa9 caf\xc3 x\xe2\x82\n\xf0\x9f\x98\x80 ok \xed\xa0\x80z \xc0\xaf \xf4\x90\x80\x80\n\x80\x80\x80\n\xf0\x9f\x98\n' >"$WORK/invalid.txt"
for tok in "$MINILM" "$DATA_DIR/tokenizers/gpt2" "$DATA_DIR/tokenizers/roberta-base" "$DATA_DIR/tokenizers/t5-small"; do
  name="invalid UTF-8 matches HF on the U+FFFD-decoded text ($(basename "$tok"))"
  run "$WORK/invalid.txt" --model "$tok" --max-length 0
  if [[ $rc -ne 0 ]]; then fail "$name: exit $rc: $(head -c 300 "$WORK/err")"; continue; fi
  check_output "$WORK/out" "$WORK/invalid.txt" 4 || { fail "$name: output check"; continue; }
  node "$NODE_DIR/hf_tokenize.js" --model "$tok" --max-length 0 <"$WORK/invalid.txt" >"$WORK/expected"
  if node "$NODE_DIR/compare_tokenizations.js" "$WORK/expected" "$WORK/out" --label "$(basename "$tok")" >"$WORK/cmp"; then
    pass "$name"
  else
    fail "$name: $(cat "$WORK/cmp")"
  fi
done

# --- very long lines ----------------------------------------------------------
# 5 MB on one line (no newline at the end): truncation still applies.
node -e 'const w = ["lorem", "ipsum", "dolor", "sit", "amet,", "consectetur", "adipiscing", "elit."];
  let s = ""; for (let i = 0; s.length < 5 * 1024 * 1024; ++i) s += w[i % w.length] + " ";
  process.stdout.write(s);' >"$WORK/big.txt"
run "$WORK/big.txt" --model "$MINILM"
n=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).ids.length)' "$WORK/out" 2>/dev/null)
[[ $rc -eq 0 && $n == 128 ]] && pass "5 MB line, default truncation: 128 tokens" ||
  fail "5 MB line default truncation: exit $rc, tokens ${n:-?}, stderr $(head -c 300 "$WORK/err")"
run "$WORK/big.txt" --model "$MINILM" --max-length 16
n=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).ids.length)' "$WORK/out" 2>/dev/null)
[[ $rc -eq 0 && $n == 16 ]] && pass "5 MB line, --max-length 16: 16 tokens" ||
  fail "5 MB line --max-length 16: exit $rc, tokens ${n:-?}"
run "$WORK/big.txt" --model "$MINILM" --max-length 0
if [[ $rc -eq 0 ]] && check_output "$WORK/out" "$WORK/big.txt" 1; then
  node "$NODE_DIR/hf_tokenize.js" --model "$MINILM" --max-length 0 <"$WORK/big.txt" >"$WORK/expected"
  node "$NODE_DIR/compare_tokenizations.js" "$WORK/expected" "$WORK/out" --label "5 MB line" >"$WORK/cmp" &&
    pass "5 MB line, no truncation: identical to HF" || fail "5 MB line, no truncation: $(head -c 600 "$WORK/cmp")"
else
  fail "5 MB line --max-length 0: exit $rc, stderr $(head -c 300 "$WORK/err")"
fi

# Beyond Tokenizer::kMaxInputBytes (64 MiB): a clear error naming the line, no crash.
{ echo short; head -c $((65 * 1024 * 1024)) /dev/zero | tr '\0' 'a'; echo; } >"$WORK/huge.txt"
run "$WORK/huge.txt" --model "$MINILM"
expect_error "line over 64 MiB is rejected with its line number" 1 "^textembed tokenize: error: line 2: "
rm -f "$WORK/huge.txt" "$WORK/big.txt"

# --- output escaping ----------------------------------------------------------
# Tokens with quotes, backslashes and control characters must still be valid JSON.
printf '"say \\"hi\\" \\\\ back\\tslash \\u0001 \\u001f \\u007f"\n' >"$WORK/escape.jsonl"
run "$WORK/escape.jsonl" --model "$DATA_DIR/tokenizers/gpt2" --jsonl
if [[ $rc -eq 0 ]] && node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$WORK/out"; then
  node "$NODE_DIR/hf_tokenize.js" --model "$DATA_DIR/tokenizers/gpt2" --jsonl <"$WORK/escape.jsonl" >"$WORK/expected"
  cmp -s "$WORK/expected" "$WORK/out" && pass "escaping: byte-identical to JSON.stringify" ||
    fail "escaping differs: $(cat "$WORK/out") vs $(cat "$WORK/expected")"
else
  fail "escaping: exit $rc, output $(head -c 300 "$WORK/out")"
fi

echo
finish
