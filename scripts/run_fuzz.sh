#!/usr/bin/env bash
# Runs a libFuzzer binary (e.g. build/asan/tokenizer_fuzz) for $FUZZ_SECONDS
# (default 30) on a corpus seeded from a few lines of shared data.
#   scripts/run_fuzz.sh build/asan/tokenizer_fuzz
# Env: FUZZ_SECONDS, FUZZ_CORPUS (kept between runs; default
# <binary dir>/<binary>_corpus), TEXTEMBED_TEST_DATA (shared/ folder),
# FUZZ_JOBS (parallel fuzzing processes, default 1).
# Exit status: 0 when the run ends without a crash, non-zero otherwise
# (crashing inputs are saved as <binary dir>/crash-* by libFuzzer).
set -euo pipefail

bin=${1:?usage: run_fuzz.sh <fuzz binary>}
[[ -x $bin ]] || { echo "run_fuzz: $bin is not an executable" >&2; exit 1; }
root=$(cd "$(dirname "$0")/.." && pwd)
export TEXTEMBED_TEST_DATA=${TEXTEMBED_TEST_DATA:-$root/../shared}
seconds=${FUZZ_SECONDS:-30}
bin_dir=$(cd "$(dirname "$bin")" && pwd)
name=$(basename "$bin")
bin=$bin_dir/$name
corpus=${FUZZ_CORPUS:-$bin_dir/${name}_corpus}
mkdir -p "$corpus"

# Seeds: the first byte picks tokenizer and options (see fuzz/tokenizer_fuzz.cc),
# so each seed line is stored under a few selector bytes.
seed() {  # seed NAME SELECTOR_BYTE_OCTAL TEXT
  local file=$corpus/seed-$1
  [[ -e $file ]] || { printf "\\$2"; printf '%s' "$3"; } >"$file"
}
data=$TEXTEMBED_TEST_DATA/data
i=0
for src in "$data/multilingual/stress_inputs.txt" "$data/corpus/squad_v1.1_dev_questions.txt" \
  "$data/multilingual/multilingual_sample.txt" "$root/tests/data/adversarial.jsonl"; do
  [[ -f $src ]] || continue
  # A few lines spread over the file, deterministic.
  total=$(wc -l <"$src")
  for k in 1 2 3 4 5 6 7 8; do
    line=$(sed -n "$(((total * k / 9) + 1))p" "$src")
    for sel in 000 011 022 033 044 055 166 277; do
      seed "$i-$sel" "$sel" "$line"
    done
    i=$((i + 1))
  done
done
printf '\010ab\377cd \303\251 caf\303 x\342\202' >"$corpus/seed-invalid-utf8"
printf '\011\360\237\230\200 \355\240\200z \300\257' >"$corpus/seed-invalid-utf8-2"

echo "run_fuzz: $name for ${seconds}s, corpus $corpus ($(ls "$corpus" | wc -l) files)"
cd "$bin_dir"
parallel=()
if ((${FUZZ_JOBS:-1} > 1)); then parallel=(-fork="$FUZZ_JOBS"); fi
log=$bin_dir/$name.log
status=0
"$bin" "$corpus" -max_total_time="$seconds" -max_len=4096 -timeout=20 -rss_limit_mb=4096 \
  -print_final_stats=1 "${parallel[@]}" >"$log" 2>&1 || status=$?
tail -n 40 "$log"
if ((status != 0)); then
  echo "run_fuzz: $name FAILED (exit $status); reproducer(s): $(ls "$bin_dir"/crash-* "$bin_dir"/timeout-* "$bin_dir"/oom-* 2>/dev/null | tr '\n' ' ')"
  exit "$status"
fi
echo "run_fuzz: $name OK"
