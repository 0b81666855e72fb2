#!/usr/bin/env bash
# Every benchmark: the Google Benchmark binaries of a build (<build>/*_bench,
# short min time), tokenization vs Hugging Face tokenizers, and the textembed
# vs ONNX Runtime comparison.
# A missing or failing piece is reported and skipped; the exit status is 1
# when any piece failed, 0 otherwise.
#
#   bench/run_all.sh [BUILD_DIR]     (default build/release; `make bench` passes $(BUILD))
#
# Environment: BENCH_MIN_TIME (seconds per benchmark, default 0.1),
# SKIP_ORT=1 to skip the ONNX Runtime comparison; ort_compare.sh's own
# variables (THREADS, CLASSES, SHORT_N, ...) pass through.
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh" "$@"
min_time="${BENCH_MIN_TIME:-0.1}"
export TEXTEMBED_TEST_DATA="$shared"

failed=()
if [[ ! -d "$build_dir" ]]; then
  echo "run_all: build folder $build_dir does not exist (run make build first)" >&2
  failed+=("build folder")
else
  shopt -s nullglob
  benches=()
  for candidate in "$build_dir"/*_bench; do
    [[ -f "$candidate" && -x "$candidate" ]] && benches+=("$candidate")
  done
  if ((${#benches[@]} == 0)); then
    echo "run_all: no *_bench binaries in $build_dir (Google Benchmark missing, or none built); skipped" >&2
  fi
  for bench in "${benches[@]}"; do
    echo "== $(basename "$bench")"
    # Google Benchmark 1.7 takes plain seconds here; 1.8+ accepts them too.
    if ! "$bench" --benchmark_min_time="$min_time"; then
      echo "run_all: $(basename "$bench") failed; continuing" >&2
      failed+=("$(basename "$bench")")
    fi
  done
fi

echo "== tokenization: textembed vs Hugging Face tokenizers"
if ! bash "$repo/bench/tokenizer_bench.sh" "$build_dir"; then
  echo "run_all: tokenizer_bench.sh failed; continuing" >&2
  failed+=("tokenizer_bench")
fi

if [[ "${SKIP_ORT:-0}" == 1 ]]; then
  echo "run_all: SKIP_ORT=1, ONNX Runtime comparison skipped" >&2
elif [[ -x "$repo/bench/ort_compare.sh" || -f "$repo/bench/ort_compare.sh" ]]; then
  echo "== textembed vs ONNX Runtime"
  if ! bash "$repo/bench/ort_compare.sh" "$build_dir"; then
    echo "run_all: ort_compare.sh failed; continuing" >&2
    failed+=("ort_compare")
  fi
else
  echo "run_all: bench/ort_compare.sh missing; skipped" >&2
fi

if ((${#failed[@]})); then
  echo "run_all: failed: ${failed[*]}" >&2
  exit 1
fi
