#!/usr/bin/env bash
# Contract of `textembed decode`: one JSON array of ids per stdin line in, one
# JSON string per line out, equal to HF's decode (with and without
# --skip-special-tokens) on shared text and random id sequences for every
# tokenizer in shared/; usage and input errors.
set -uo pipefail

TEST_NAME=cli_decode_test
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
MINILM=$DATA_DIR/models/minilm-l6-random
make_work_dir

# run STDIN_FILE ARGS...: textembed decode; sets rc, $WORK/out, $WORK/err.
run() { run_textembed decode "$@"; }

printf '[101, 7592, 2088, 102]\n' >"$WORK/ok.txt"
run "$WORK/ok.txt"
[[ $rc -eq 2 ]] && pass "missing --model is a usage error (exit 2)" || fail "missing --model: exit $rc"

run "$WORK/ok.txt" --model "$WORK/nope"
[[ $rc -eq 1 ]] && grep -q "^textembed decode: error: .*nope" "$WORK/err" && pass "nonexistent model: exit 1 naming it" ||
  fail "nonexistent model: exit $rc, $(cat "$WORK/err")"

run "$WORK/ok.txt" --model "$MINILM"
[[ $rc -eq 0 && $(cat "$WORK/out") == '"[CLS] hello world [SEP]"' ]] && pass "decode keeps special tokens by default" ||
  fail "decode: exit $rc, $(cat "$WORK/out")"
run "$WORK/ok.txt" --model "$MINILM" --skip-special-tokens
[[ $rc -eq 0 && $(cat "$WORK/out") == '"hello world"' ]] && pass "--skip-special-tokens drops them" ||
  fail "--skip-special-tokens: exit $rc, $(cat "$WORK/out")"

printf '[]\n[7592, 99999999, 2088]\n' >"$WORK/edge.txt"
run "$WORK/edge.txt" --model "$MINILM"
[[ $rc -eq 0 && $(sed -n 1p "$WORK/out") == '""' && $(sed -n 2p "$WORK/out") == '"hello world"' ]] &&
  pass "empty array gives \"\"; ids outside the vocabulary are skipped (as HF)" || fail "edge ids: $(cat "$WORK/out" "$WORK/err")"

printf '[7592]\n[1, "x"]\n[2088]\n' >"$WORK/bad.txt"
run "$WORK/bad.txt" --model "$MINILM"
[[ $rc -eq 1 && $(wc -l <"$WORK/out") -eq 1 ]] && grep -q "^textembed decode: error: line 2: " "$WORK/err" &&
  pass "non-integer id: exit 1 naming line 2, line 1 written" || fail "bad line: exit $rc, $(cat "$WORK/err")"
for bad in '[-1]' '{"ids": [1]}' 'not json' '' '[4294967296]'; do
  printf '%s\n' "$bad" >"$WORK/bad1.txt"
  run "$WORK/bad1.txt" --model "$MINILM"
  [[ $rc -eq 1 ]] && grep -q "line 1: " "$WORK/err" && pass "rejects line '$bad'" || fail "line '$bad': exit $rc, $(cat "$WORK/err")"
done

# Parity with HF on shared text (encoded by HF, special tokens included) and
# random id sequences, both modes, every tokenizer in shared/.
for tok in "$DATA_DIR"/tokenizers/*/ "$MINILM"; do
  if out=$(node "$NODE_DIR/decode_parity.js" --bin "$BIN" --model "$tok" \
    --texts "$DATA_DIR/data/multilingual/stress_inputs.txt" --texts "$DATA_DIR/data/multilingual/multilingual_sample.txt" \
    --texts "$DATA_DIR/data/corpus/ag_news_test.txt" --limit "${DECODE_LIMIT:-1500}" --random 1000 2>&1); then
    pass "decode parity: $out"
  else
    fail "decode parity $(basename "$tok"): $(echo "$out" | head -12)"
  fi
done

finish
