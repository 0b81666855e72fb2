#!/usr/bin/env bash
# Creates .venv with the Python reference stack (torch, transformers,
# sentence-transformers, safetensors, numpy, scipy, onnx, onnxruntime with its
# quantization tool) from tools/python/requirements.txt, all from PyPI.
# Idempotent and quiet: .venv/.ready marks a finished install of the current
# requirements; a second run only checks it. Prints the venv's python path.
# Used by the goldens generator and the trained-model benchmark, never by CI.
#   scripts/python_env.sh          ensure the venv, print its python
#   TEXTEMBED_VENV=dir scripts/python_env.sh   another location
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${TEXTEMBED_VENV:-$PWD/.venv}
reqs=tools/python/requirements.txt
ready=$venv/.ready

# .ready holds the hash of the requirements it was built from.
want=$(sha256sum "$reqs" | cut -d' ' -f1)
if [[ -f $ready && "$(cat "$ready")" == "$want" ]]; then
  echo "$venv/bin/python"; exit 0
fi

command -v python3 >/dev/null || { echo "python_env: python3 missing (make setup installs python3-venv)" >&2; exit 1; }
if [[ ! -x $venv/bin/python ]]; then
  python3 -m venv "$venv" || { echo "python_env: python3 -m venv failed (install python3-venv)" >&2; exit 1; }
fi
echo "python_env: installing $reqs into $venv (PyPI; torch with its CUDA wheels is ~5 GB, a few minutes)" >&2
log=$(mktemp)
if ! "$venv/bin/pip" install -q --disable-pip-version-check -r "$reqs" >"$log" 2>&1; then
  tail -20 "$log" >&2; rm -f "$log"; echo "python_env: pip install failed" >&2; exit 1
fi
rm -f "$log"
# Prove the stack imports before declaring it ready.
"$venv/bin/python" - <<'PY' >&2
import torch, transformers, sentence_transformers, safetensors, numpy, scipy, onnx, onnxruntime
import onnxruntime.quantization  # the int8 tool the benchmark may use
print(f"python_env: torch {torch.__version__}, sentence-transformers {sentence_transformers.__version__}, "
      f"transformers {transformers.__version__}, onnxruntime {onnxruntime.__version__}")
PY
echo "$want" >"$ready"
echo "$venv/bin/python"
