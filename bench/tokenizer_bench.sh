#!/usr/bin/env bash
# Tokenization throughput, textembed vs Hugging Face `tokenizers` (npm binding
# of the Rust library), same corpora, same work: every line encoded with
# special tokens, no truncation, no padding.
#
#   bench/tokenizer_bench.sh [BUILD_DIR]        (default build/release)
# Env: TOKENIZERS (default "minilm roberta t5"), CORPORA (default
#      "ag_news bbc_paragraphs squad"), TEXTEMBED_TEST_DATA.
#
# HF runs encodeBatch over the whole corpus in one call, which amortizes the
# JS<->Rust crossing (the fairest setting for HF; a per-text encode() loop is
# several times slower). HF single-thread = TOKENIZERS_PARALLELISM=false and
# RAYON_NUM_THREADS=1; all-threads = HF's default rayon pool. textembed
# single-thread = one thread encoding line by line; all-threads = one
# std::thread per core over blocks of lines.
# Columns: MB/s and tokens/s by wall time, and for one thread also MB/s by CPU
# time (user+system), which stays meaningful when the machine is shared and
# wall time includes waiting for a core. The ratio column is textembed/HF.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
bench_bin=$build/tokenizer_bench
[[ -x $bench_bin ]] || { echo "tokenizer_bench.sh: $bench_bin not built (cmake --build $build --target tokenizer_bench)" >&2; exit 1; }
command -v node >/dev/null || { echo "tokenizer_bench.sh: node not found (scripts/setup.sh)" >&2; exit 1; }
[[ -d $root/tools/node/node_modules/tokenizers ]] || { echo "tokenizer_bench.sh: run scripts/setup.sh (npm tokenizers)" >&2; exit 1; }
export TEXTEMBED_TEST_DATA=${TEXTEMBED_TEST_DATA:-$root/../shared}
shared=$TEXTEMBED_TEST_DATA
read -r -a tokenizers <<<"${TOKENIZERS:-minilm roberta t5}"
read -r -a corpora <<<"${CORPORA:-ag_news bbc_paragraphs squad}"

declare -A tokenizer_path=([minilm]=models/minilm-l6-random [roberta]=tokenizers/roberta-base
  [t5]=tokenizers/t5-small [gpt2]=tokenizers/gpt2 [mpnet]=tokenizers/all-mpnet-base-v2)
declare -A corpus_path=([ag_news]=data/corpus/ag_news_test.txt [bbc_paragraphs]=data/corpus/bbc_news_paragraphs.txt
  [squad]=data/corpus/squad_v1.1_dev_questions.txt [bbc_articles]=data/corpus/bbc_news_articles.txt
  [multilingual]=data/multilingual/multilingual_sample.txt)

work=$(mktemp -d "${TMPDIR:-/tmp}/tokenizer_bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
threads=$(nproc)
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# textembed: one Google Benchmark run for the whole matrix.
tok_list=$(IFS=,; echo "${tokenizers[*]}")
corpus_list=$(IFS=,; echo "${corpora[*]}")
"$bench_bin" --tokenizers="$tok_list" --corpora="$corpus_list" --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=false --benchmark_format=json >"$work/textembed.json" 2>"$work/textembed.err" ||
  { cat "$work/textembed.err" >&2; exit 1; }

for t in "${tokenizers[@]}"; do
  for c in "${corpora[@]}"; do
    model=$shared/${tokenizer_path[$t]}
    corpus=$shared/${corpus_path[$c]}
    TOKENIZERS_PARALLELISM=false RAYON_NUM_THREADS=1 node "$root/tools/node/hf_tokenize_bench.js" \
      --model "$model" --corpus "$corpus" --repeat 3 >"$work/hf.$t.$c.1.json"
    node "$root/tools/node/hf_tokenize_bench.js" --model "$model" --corpus "$corpus" --repeat 3 \
      >"$work/hf.$t.$c.all.json"
  done
done

node - "$work" "$threads" "${tokenizers[*]}" "${corpora[*]}" <<'EOF'
const fs = require('fs');
const [work, threads, toks, corps] = process.argv.slice(2);
const te = JSON.parse(fs.readFileSync(`${work}/textembed.json`, 'utf8'));
// Best (fastest) repetition per benchmark name.
const best = {};
for (const b of te.benchmarks) {
  if (b.run_type !== 'iteration' || b.error_occurred) continue;
  const key = b.run_name || b.name;
  const unit = { ms: 1e-3, us: 1e-6, ns: 1e-9, s: 1 }[b.time_unit];
  const wall = b.real_time * unit, cpu = b.cpu_time * unit;
  if (!best[key] || wall < best[key].wall) best[key] = { wall, cpu: Math.min(cpu, best[key] ? best[key].cpu : Infinity), tokens: b.tokens };
  else best[key].cpu = Math.min(best[key].cpu, cpu);
}
const pad = (s, n) => String(s).padStart(n);
const f = (x) => x.toFixed(2);
console.log(`\n${'tokenizer/corpus'.padEnd(24)} ${pad('threads', 7)} ${pad('HF MB/s', 9)} ${pad('ours MB/s', 10)} ${pad('ratio', 6)}` +
  ` ${pad('HF Mtok/s', 10)} ${pad('ours Mtok/s', 11)} ${pad('HF cpuMB/s', 11)} ${pad('ours cpuMB/s', 12)} ${pad('cpu ratio', 9)}`);
for (const t of toks.split(' ')) for (const c of corps.split(' ')) {
  for (const mode of ['1', 'all']) {
    const hf = JSON.parse(fs.readFileSync(`${work}/hf.${t}.${c}.${mode}.json`, 'utf8'));
    const n = mode === '1' ? 1 : Number(threads);
    const ours = best[`encode/${t}/${c}/threads:${n}/real_time`];
    if (!ours) { console.log(`${t}/${c}: no textembed result for threads:${n}`); continue; }
    const mb = hf.bytes / 1e6;
    const row = [`${t}/${c}`.padEnd(24), pad(mode === '1' ? 1 : `${n} (all)`, 7),
      pad(f(hf.mb_per_s), 9), pad(f(mb / ours.wall), 10), pad(f(mb / ours.wall / hf.mb_per_s), 6),
      pad(f(hf.tokens_per_s / 1e6), 10), pad(f(ours.tokens / ours.wall / 1e6), 11)];
    if (mode === '1') {
      row.push(pad(f(hf.cpu_mb_per_s), 11), pad(f(mb / ours.cpu), 12), pad(f(mb / ours.cpu / hf.cpu_mb_per_s), 9));
    }
    if (ours.tokens !== hf.tokens) row.push(`  (token counts differ: HF ${hf.tokens}, ours ${ours.tokens})`);
    console.log(row.join(' '));
  }
}
EOF
