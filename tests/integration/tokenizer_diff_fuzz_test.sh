#!/usr/bin/env bash
# Short differential fuzzing run against HF tokenizers (tools/node/diff_fuzz.js):
# strings biased toward risky Unicode (recently assigned code points,
# combining sequences, Hangul, compatibility chars, controls, long repeats,
# mixed scripts, whitespace variety, added tokens) through every tokenizer in
# shared/ and every variant of the unit-test specs; ids and byte offsets must
# equal HF's. Prints the first minimal mismatching string per class on failure.
# Also: pair encodings of STS-B dev pairs and synthetic pairs with each
# truncation strategy, and a sweep of code points through every pre-tokenizer
# that decides by character class.
# Env: DIFF_FUZZ_COUNT strings per tokenizer (default 600), DIFF_FUZZ_SEED
# (default 1, so CI is repeatable; set another to explore), PAIR_LIMIT pairs (default 300),
# PAIR_SYNTHETIC pairs per configuration (10), CLASS_PARITY_STEP (17).
set -uo pipefail

TEST_NAME=tokenizer_diff_fuzz_test
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SPEC_DIR=$SRC_DIR/tests/unit/tokenizer/data
SEED=${DIFF_FUZZ_SEED:-1}
echo "seed $SEED"
if node "$NODE_DIR/diff_fuzz.js" --bin "$BIN" --models-from "$DATA_DIR/tokenizers" --models-from "$DATA_DIR/models" \
  --variants "$SPEC_DIR/pipeline_cases.spec.json" --variants "$SPEC_DIR/hf_regressions.spec.json" --shared "$DATA_DIR" \
  --count "${DIFF_FUZZ_COUNT:-600}" --seed "$SEED" --quiet >"${TMPDIR:-/tmp}/diff_fuzz.$$" 2>&1; then
  pass "differential fuzz: $(tail -1 "${TMPDIR:-/tmp}/diff_fuzz.$$")"
else
  fail "differential fuzz (seed $SEED):"
  head -c 4000 "${TMPDIR:-/tmp}/diff_fuzz.$$"
fi
rm -f "${TMPDIR:-/tmp}/diff_fuzz.$$"

declare -A seen=()
for tok in "$DATA_DIR"/tokenizers/*/ "$DATA_DIR"/models/*/; do
  [[ -f $tok/tokenizer.json ]] || continue
  sum=$(sha256sum "$tok/tokenizer.json" | cut -c1-16)
  [[ -n ${seen[$sum]:-} ]] && continue
  seen[$sum]=1
  if out=$(node "$NODE_DIR/pair_parity.js" --bin "$BIN" --model "$tok" --pairs "$DATA_DIR/data/stsb/stsb-dev.tsv" \
    --limit "${PAIR_LIMIT:-300}" --max-lengths 16 2>&1); then
    pass "pairs $(basename "$tok"): STS-B dev, every truncation strategy at max_length 16 and none"
  else
    fail "pairs $(basename "$tok"): $(echo "$out" | grep -m3 MISMATCH)"
  fi
done

# Synthetic pairs: words of 1-3 pieces under four post-processors, every
# strategy, both directions, every max_length down to the special tokens.
if out=$(node "$NODE_DIR/pair_parity.js" --bin "$BIN" --synthetic "${PAIR_SYNTHETIC:-10}" --seed "$SEED" 2>&1); then
  pass "pairs, synthetic: $(echo "$out" | tail -1)"
else
  fail "pairs, synthetic (seed $SEED): $(echo "$out" | grep -m3 MISMATCH)"
fi

# Character classes over every CLASS_PARITY_STEP-th code point (1: all of them,
# as make fuzz-parity does) for each pre-tokenizer that decides by class.
if out=$(node "$NODE_DIR/class_parity.js" --bin "$BIN" --step "${CLASS_PARITY_STEP:-17}" 2>&1); then
  pass "character classes, every ${CLASS_PARITY_STEP:-17}th code point: $(echo "$out" | wc -l) configurations agree"
else
  fail "character classes: $(echo "$out" | grep -v -m5 ' 0 code points differ')"
fi

finish
