#!/usr/bin/env bash
# textembed vs ONNX Runtime (onnxruntime-node, fp32, CPU) on the same texts,
# the same token ids and the same weights, for short / medium / long inputs at
# 1 and 2 threads. Prints one table (tokens/s of both, ratio, peak RSS).
#
#   bench/ort_compare.sh [BUILD_DIR]          (default build/release)
#
# Environment overrides:
#   TEXTEMBED_BIN  textembed binary (default BUILD_DIR/textembed)
#   MODEL          model folder (default ../shared/models/minilm-l6-random)
#   THREADS        thread counts (default "1 2")
#   CLASSES        length classes to run (default "short medium long")
#   BATCH          ORT batch size (default 32)
#   REPEAT         timed passes over each set on both sides, best one kept (default 2;
#                  passed as `textembed bench --repeat` when its --help lists it)
#   SHORT_N MEDIUM_N LONG_N   texts per class (default 1000 500 300)
#
# Both sides see the same texts: ort_bench.js selects them (and tokenizes them
# with the official HF tokenizers, truncation 256, no padding) and writes them
# to build/bench/inputs/<class>.txt, which `textembed bench` then reads.
# ORT runs padded batches sorted by length (its best practice); textembed runs
# its own packed batches. ORT's time covers forward + mean pooling + normalize
# on pre-tokenized ids; textembed's is what `textembed bench` reports (the
# whole pipeline, tokenization included). Both keep the best of REPEAT passes.
#
# textembed side: `textembed bench --model DIR --input FILE --threads N` is
# expected to print a final JSON line on stdout:
#   {"texts":..,"tokens":..,"seconds":..,"texts_per_s":..,"tokens_per_s":..}
# (tools/node/ort_parse_textembed.js also accepts "12345 tokens/s" text).
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh" "$@"
model="${MODEL:-$shared/models/minilm-l6-random}"
threads_list="${THREADS:-1 2}"
classes="${CLASSES:-short medium long}"
batch="${BATCH:-32}"
repeat="${REPEAT:-2}"
corpus="$shared/data/corpus"
node_dir="$repo/tools/node"
work="$repo/build/bench"  # scratch + results, beside the ONNX cache
inputs="$work/inputs"
onnx_cache="$repo/build/bench/$(basename "$model").onnx"
results="$work/ort_compare.jsonl"

class_spec() {  # name -> "corpus-file limit min-tokens"
  case "$1" in
    short) echo "squad_v1.1_dev_questions.txt ${SHORT_N:-1000} 0" ;;
    medium) echo "ag_news_test.txt ${MEDIUM_N:-500} 0" ;;
    long) echo "bbc_news_paragraphs.txt ${LONG_N:-300} 100" ;;
    *) return 1 ;;
  esac
}

if ! command -v node >/dev/null; then say "node not found; nothing to compare"; exit 1; fi
if [[ ! -d "$node_dir/node_modules/tokenizers" ]]; then
  say "tools/node/node_modules/tokenizers missing (run scripts/setup.sh); nothing to compare"; exit 1
fi
if [[ ! -f "$model/tokenizer.json" ]]; then say "no tokenizer.json in $model"; exit 1; fi
mkdir -p "$inputs" "$(dirname "$onnx_cache")"

have_ort=1
if [[ ! -d "$node_dir/node_modules/onnxruntime-node" ]]; then
  say "onnxruntime-node missing; ORT column will be empty"; have_ort=0
elif [[ ! -s "$onnx_cache" ]]; then
  say "exporting $(basename "$model") to ONNX once: $onnx_cache"
  if ! /usr/bin/python3 "$shared/tools/reference_bert.py" "$model" --export-onnx "$onnx_cache.tmp" >&2 \
      || ! mv "$onnx_cache.tmp" "$onnx_cache"; then
    say "ONNX export failed (needs apt python3-torch python3-onnx); ORT column will be empty"
    rm -f "$onnx_cache.tmp"; have_ort=0
  fi
fi

have_textembed=1
if [[ ! -x "$bin" ]]; then say "textembed binary $bin not found; textembed column will be empty"; have_textembed=0; fi

te_extra=()
if ((have_textembed)) && "$bin" bench --help 2>&1 | grep -q -- '--repeat'; then te_extra=(--repeat "$repeat"); fi

time_bin=""
[[ -x /usr/bin/time ]] && time_bin=/usr/bin/time

# Runs a command, stdout to $1, stderr to $2, peak RSS (KiB) to $3 when /usr/bin/time exists.
run_measured() {
  local out="$1" err="$2" rss="$3"; shift 3
  rm -f "$rss"
  if [[ -n "$time_bin" ]]; then
    "$time_bin" -f '%M' -o "$rss" "$@" >"$out" 2>"$err"
  else
    "$@" >"$out" 2>"$err"
  fi
}

json_field() {  # json_field FILE FIELD -> value or empty
  node -e 'const fs=require("fs");try{const l=fs.readFileSync(process.argv[1],"utf8").trim().split("\n").pop();const v=JSON.parse(l)[process.argv[2]];if(v!==null&&v!==undefined)process.stdout.write(String(v));}catch(e){}' "$1" "$2"
}

rss_mb() { [[ -s "$1" ]] && awk 'NR==1 && $1 ~ /^[0-9]+$/ { printf "%.0f", $1 / 1024 }' "$1"; }

: >"$results"
rows=()
for class in $classes; do
  if ! spec=$(class_spec "$class"); then say "unknown class $class, skipped"; continue; fi
  read -r file limit min_tokens <<<"$spec"
  text_file="$inputs/$class.txt"
  if ! node "$node_dir/ort_bench.js" --tokenizer "$model/tokenizer.json" --input "$corpus/$file" \
      --limit "$limit" --min-tokens "$min_tokens" --max-length 256 --write-texts "$text_file" \
      --select-only >"$work/select.$class.json"; then
    say "selecting $class texts failed, skipped"; continue
  fi
  texts=$(json_field "$work/select.$class.json" texts)
  tokens=$(json_field "$work/select.$class.json" tokens)
  say "$class: $texts texts, $tokens tokens (mean $(json_field "$work/select.$class.json" mean_tokens))"

  for threads in $threads_list; do
    te_tps="" te_rss="" ort_tps="" ort_rss="" te_tokens=""
    if ((have_textembed)); then
      say "textembed  $class threads=$threads"
      run_measured "$work/te.out" "$work/te.err" "$work/te.rss" \
        "$bin" bench --model "$model" --input "$text_file" --threads "$threads" "${te_extra[@]}"
      rc=$?
      if ((rc != 0)); then
        say "textembed bench failed (exit $rc): $(tail -n 3 "$work/te.err" | tr '\n' ' ')"
      elif node "$node_dir/ort_parse_textembed.js" <"$work/te.out" >"$work/te.json" 2>/dev/null ||
           cat "$work/te.out" "$work/te.err" | node "$node_dir/ort_parse_textembed.js" >"$work/te.json"; then
        te_tps=$(json_field "$work/te.json" tokens_per_s)
        te_tokens=$(json_field "$work/te.json" tokens)
        te_rss=$(rss_mb "$work/te.rss")
        if [[ -n "$te_tokens" && "$te_tokens" != "$tokens" ]]; then
          say "note: textembed counted $te_tokens tokens, HF tokenizers $tokens (several passes, or different ids?)"
        fi
      else
        say "could not read tokens/s from textembed's output: $(head -c 300 "$work/te.out")"
      fi
    fi
    if ((have_ort)); then
      say "onnxruntime $class threads=$threads"
      if run_measured "$work/ort.out" "$work/ort.err" "$work/ort.rss" \
          node "$node_dir/ort_bench.js" --onnx "$onnx_cache" --tokenizer "$model/tokenizer.json" \
          --input "$text_file" --max-length 256 --threads "$threads" --batch "$batch" --passes "$repeat"; then
        ort_tps=$(json_field "$work/ort.out" tokens_per_s)
        ort_rss=$(rss_mb "$work/ort.rss")
        [[ -n "$ort_rss" ]] || ort_rss=$(json_field "$work/ort.out" peak_rss_mb | awk '{printf "%.0f", $1}')
      else
        say "ort_bench failed: $(tail -n 3 "$work/ort.err" | tr '\n' ' ')"
      fi
    fi
    ratio=""
    if [[ -n "$te_tps" && -n "$ort_tps" ]]; then ratio=$(awk -v a="$te_tps" -v b="$ort_tps" 'BEGIN { if (b > 0) printf "%.2f", a / b }'); fi
    printf '{"class":"%s","threads":%s,"texts":%s,"tokens":%s,"textembed_tokens_per_s":%s,"ort_tokens_per_s":%s,"ratio":%s,"textembed_peak_rss_mb":%s,"ort_peak_rss_mb":%s}\n' \
      "$class" "$threads" "${texts:-null}" "${tokens:-null}" "${te_tps:-null}" "${ort_tps:-null}" "${ratio:-null}" \
      "${te_rss:-null}" "${ort_rss:-null}" >>"$results"
    rows+=("$class|$threads|$texts|$tokens|$te_tps|$ort_tps|$ratio|$te_rss|$ort_rss")
  done
done

echo
echo "textembed vs ONNX Runtime $(node -p 'require(process.argv[1]+"/node_modules/onnxruntime-node/package.json").version' "$node_dir" 2>/dev/null) — model $(basename "$model"), fp32, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-7s %7s %6s %7s %16s %12s %7s %14s %10s\n' class threads texts tokens "textembed tok/s" "ORT tok/s" ratio "textembed MiB" "ORT MiB"
for row in "${rows[@]}"; do
  IFS='|' read -r class threads texts tokens te ort ratio te_rss ort_rss <<<"$row"
  fmt() { [[ -n "$1" ]] && printf '%.0f' "$1" || printf -- '-'; }
  printf '%-7s %7s %6s %7s %16s %12s %7s %14s %10s\n' "$class" "$threads" "$texts" "$tokens" \
    "$(fmt "$te")" "$(fmt "$ort")" "${ratio:--}" "${te_rss:--}" "${ort_rss:--}"
done
echo "ratio = textembed / ORT tokens/s; MiB = peak RSS of the whole process. Results: $results"
