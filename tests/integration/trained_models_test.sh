#!/usr/bin/env bash
# textembed on trained models (laid out by scripts/trained_models.sh, i.e. make
# setup) against sentence-transformers' own embeddings of the same folders,
# committed in tests/data/goldens/trained/ by tools/python/make_st_goldens.py:
#   - cosine >= 0.99999 on every STS-B dev sentence stored and every own text
#     (multilingual, long, adversarial), through `textembed embed` as a user runs it;
#   - STS-B dev Spearman of textembed equal to sentence-transformers' to 4 decimals;
#   - a "+cls" variant (the folder with CLS pooling, as bge models use) on the own texts.
# Models whose manifest entry has a "ci_subset" (all-mpnet-base-v2: 768 wide, all
# 2,910 STS-B sentences cost minutes on 2 cores) are checked on that subset by
# default: the sentences of every Nth STS-B dev pair (cosine on each, Spearman over
# those pairs vs sentence-transformers' over the same pairs) plus all own texts.
# TEXTEMBED_TRAINED_FULL=1 checks every row and the full 1,500-pair Spearman.
# A model whose folder is absent is reported as such; the test then exits 77
# (ctest: skipped), never 0. Under CI=true an absent model is a failure (make
# setup lays out every model of the manifest).
# A model the engine refuses (e.g. an architecture not supported yet) fails.
# Run by ctest, or by hand: TEXTEMBED_BIN=build/release/textembed [TEXTEMBED_TRAINED_FULL=1] tests/integration/trained_models_test.sh [MODEL...]
set -uo pipefail

TEST_NAME=trained_models_test
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
GOLDENS=$SRC_DIR/tests/data/goldens/trained
MODELS_DIR=${TEXTEMBED_MODELS_DIR:-$SRC_DIR/models}
STSB=$DATA_DIR/data/goldens/stsb-dev-sentences.jsonl
OWN=$SRC_DIR/tests/data/goldens/own_texts.jsonl
[[ -f $GOLDENS/manifest.json ]] || die "$GOLDENS/manifest.json missing"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/trained_models.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

models=("$@")
if ((${#models[@]} == 0)); then
  mapfile -t models < <(node -e 'console.log(Object.keys(require(process.argv[1])).join("\n"))' "$GOLDENS/manifest.json")
fi

# subset.js STSB_JSONL STSB_TSV STEP OUT_JSONL OUT_ROWMAP: the sentences of every
# STEP-th pair of the TSV (0-based line index a multiple of STEP), in the order of
# the jsonl, and for each its row in the jsonl (= in the golden file).
cat > "$WORK/subset.js" <<'JS'
const fs = require('fs');
const [jsonlPath, tsvPath, stepArg, outPath, mapPath] = process.argv.slice(2);
const step = Number(stepArg);
const lines = fs.readFileSync(jsonlPath, 'utf8').split('\n').filter((l) => l.length);
const wanted = new Set();
fs.readFileSync(tsvPath, 'utf8').split('\n').filter((l) => l.length).forEach((line, i) => {
  if (i % step === 0) { const [, a, b] = line.split('\t'); wanted.add(a); wanted.add(b); }
});
const rowmap = [], out = [];
lines.forEach((l, i) => { if (wanted.has(JSON.parse(l).text)) { rowmap.push(i); out.push(l); } });
if (rowmap.length !== wanted.size) { console.error(`subset: ${wanted.size - rowmap.length} pair sentences not in ${jsonlPath}`); process.exit(1); }
fs.writeFileSync(outPath, out.join('\n') + '\n');
fs.writeFileSync(mapPath, JSON.stringify(rowmap));
JS

# check.js OUT_F32 GOLDEN_F16 ROWS TEXTS MANIFEST NAME SET STSB_TSV [ROWMAP STEP]:
# cosine of every embedded text against its stored row (ROWMAP: the golden row of
# each text; default the same index), and for the stsb set the Spearman over every
# STEP-th pair (default all) against the manifest's (ci_subset's when STEP > 1).
cat > "$WORK/check.js" <<'JS'
const fs = require('fs');
const [outPath, goldenPath, rowsArg, textsPath, manifestPath, name, set, tsvPath, mapPath, stepArg] = process.argv.slice(2);
const entry = JSON.parse(fs.readFileSync(manifestPath, 'utf8'))[name];
const dim = entry.dim, rows = Number(rowsArg), step = Number(stepArg || 1);
const texts = fs.readFileSync(textsPath, 'utf8').split('\n').filter((l) => l.length).map((l) => JSON.parse(l).text);
const rowmap = mapPath && mapPath !== '-' ? JSON.parse(fs.readFileSync(mapPath, 'utf8')) : texts.map((t, i) => i);
if (rowmap.length !== texts.length || rowmap.some((g) => !(g >= 0 && g < rows))) {
  console.log(`row map does not fit ${texts.length} texts / ${rows} stored rows`); process.exit(1);
}
const buf = fs.readFileSync(outPath);
const ours = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
if (ours.length !== texts.length * dim) {
  console.log(`textembed wrote ${ours.length / dim} rows of ${dim}, want ${texts.length}`); process.exit(1);
}
const half = fs.readFileSync(goldenPath);
if (half.length !== rows * dim * 2) { console.log(`${goldenPath}: ${half.length} bytes, want ${rows * dim * 2}`); process.exit(1); }
const h2f = (h) => {
  const sign = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return sign * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : sign * Infinity;
  return sign * 2 ** (e - 15) * (1 + f / 1024);
};
let minCos = 2, worst = -1, below = 0;
for (let r = 0; r < texts.length; ++r) {
  let ab = 0, aa = 0, bb = 0;
  const g = rowmap[r];
  for (let i = 0; i < dim; ++i) {
    const a = ours[r * dim + i], b = h2f(half.readUInt16LE((g * dim + i) * 2));
    ab += a * b; aa += a * a; bb += b * b;
  }
  // Both zero (cannot happen with these models) counts as equal; one zero as 0.
  const cos = aa === 0 && bb === 0 ? 1 : ab / Math.sqrt(aa * bb);
  if (!(cos >= 0.99999)) below++;
  if (!(cos >= minCos)) { minCos = cos; worst = g; }
}
console.log(`${texts.length} rows: min cosine vs sentence-transformers ${minCos.toFixed(8)} (1 - cos = ${(1 - minCos).toExponential(1)}, row ${worst}), ${below} below 0.99999`);
let ok = below === 0;
const refSpearman = step > 1 ? (entry.ci_subset || {}).stsb_spearman : entry.stsb_spearman;
if (set === 'stsb' && step > 1 && refSpearman === undefined) { console.log('no ci_subset Spearman in the manifest'); process.exit(1); }
if (set === 'stsb' && refSpearman !== undefined) {
  const index = new Map(texts.map((t, i) => [t, i]));
  const unit = (i) => { const v = ours.subarray(i * dim, (i + 1) * dim); const n = Math.hypot(...v) || 1; return [v, n]; };
  const gold = [], cos = [];
  const pairs = fs.readFileSync(tsvPath, 'utf8').split('\n').filter((l) => l.length).filter((l, i) => i % step === 0);
  for (const line of pairs) {
    const [score, a, b] = line.split('\t');
    if (!index.has(a) || !index.has(b)) { console.log(`STS-B pair sentence not embedded: ${index.has(a) ? b : a}`); process.exit(1); }
    const [va, na] = unit(index.get(a)), [vb, nb] = unit(index.get(b));
    let d = 0; for (let i = 0; i < dim; ++i) d += va[i] * vb[i];
    gold.push(Number(score)); cos.push(d / (na * nb));
  }
  const ranks = (v) => {  // ties share their mean rank, as scipy's spearmanr
    const order = v.map((x, i) => i).sort((i, j) => v[i] - v[j]);
    const r = new Array(v.length);
    for (let i = 0; i < order.length;) {
      let j = i; while (j + 1 < order.length && v[order[j + 1]] === v[order[i]]) ++j;
      for (let k = i; k <= j; ++k) r[order[k]] = (i + j) / 2 + 1;
      i = j + 1;
    }
    return r;
  };
  const pearson = (x, y) => {
    const mx = x.reduce((s, a) => s + a, 0) / x.length, my = y.reduce((s, a) => s + a, 0) / y.length;
    let sxy = 0, sxx = 0, syy = 0;
    for (let i = 0; i < x.length; ++i) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) ** 2; syy += (y[i] - my) ** 2; }
    return sxy / Math.sqrt(sxx * syy);
  };
  const rho = pearson(ranks(cos), ranks(gold)), ref = refSpearman;
  const same = rho.toFixed(4) === ref.toFixed(4);
  console.log(`STS-B dev Spearman (${gold.length} pairs${step > 1 ? `, every ${step}th` : ''}): textembed ${rho.toFixed(6)}, sentence-transformers ${ref.toFixed(6)}` +
              ` -> ${same ? 'equal' : 'DIFFERENT'} to 4 decimals`);
  ok = ok && same;
}
process.exit(ok ? 0 : 1);
JS

# The "+cls" variant, built the way make_st_goldens.py builds it.
make_variant() {  # BASE_FOLDER VARIANT -> prints the new folder
  local base=$1 dest=$WORK/variant.$2 entry
  mkdir -p "$dest/1_Pooling"
  for entry in "$base"/*; do [[ $(basename "$entry") == 1_Pooling ]] || ln -s "$entry" "$dest/"; done
  node -e '
    const fs = require("fs"); const p = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    for (const k of Object.keys(p)) if (k.startsWith("pooling_mode_")) p[k] = (k === "pooling_mode_cls_token");
    fs.writeFileSync(process.argv[2], JSON.stringify(p, null, 2));' "$base/1_Pooling/config.json" "$dest/1_Pooling/config.json"
  echo "$dest"
}

checked=0 absent=()
for name in "${models[@]}"; do
  base=${name%%+*} variant=""
  [[ $name == *+* ]] && variant=${name#*+}
  folder=$MODELS_DIR/$base
  if [[ ! -f $folder/model.safetensors ]]; then
    echo "SKIP $name: $folder is absent (make models, i.e. scripts/trained_models.sh, lays it out)"
    absent+=("$name"); continue
  fi
  [[ -n $variant ]] && folder=$(make_variant "$folder" "$variant")
  sets=$(node -e 'const m = require(process.argv[1])[process.argv[2]];
    if (!m) process.exit(1);
    for (const [set, s] of Object.entries(m.sets)) console.log(set, s.file, s.rows);' "$GOLDENS/manifest.json" "$name") \
    || { fail "$name: not in $GOLDENS/manifest.json"; continue; }
  # The CI subset's pair step (0: none, or TEXTEMBED_TRAINED_FULL=1).
  step=0
  [[ ${TEXTEMBED_TRAINED_FULL:-0} == 1 ]] || step=$(node -e '
    const s = require(process.argv[1])[process.argv[2]].ci_subset; console.log(s ? s.stsb_pair_step : 0);' \
    "$GOLDENS/manifest.json" "$name")
  while read -r set file rows; do
    texts=$OWN; [[ $set == stsb ]] && texts=$STSB
    rowmap=- pair_step=1
    if [[ $set == stsb ]] && ((step > 1)); then
      texts=$WORK/$name.stsb-subset.jsonl rowmap=$WORK/$name.stsb-subset.rows.json pair_step=$step
      if ! node "$WORK/subset.js" "$STSB" "$DATA_DIR/data/stsb/stsb-dev.tsv" "$step" "$texts" "$rowmap" 2> "$WORK/err"; then
        fail "$name $set: $(head -c 400 "$WORK/err")"; continue
      fi
    fi
    out=$WORK/$name.$set.f32
    if ! "$BIN" embed --model "$folder" --jsonl --output f32 --threads 2 < "$texts" > "$out" 2> "$WORK/err"; then
      fail "$name $set: textembed embed failed: $(head -c 400 "$WORK/err")"; continue
    fi
    if node "$WORK/check.js" "$out" "$GOLDENS/$file" "$rows" "$texts" "$GOLDENS/manifest.json" "$name" "$set" \
         "$DATA_DIR/data/stsb/stsb-dev.tsv" "$rowmap" "$pair_step" > "$WORK/report" 2>&1; then
      pass "$name $set ($(paste -sd ';' "$WORK/report"))"
    else
      fail "$name $set ($(paste -sd ';' "$WORK/report"))"
    fi
  done <<< "$sets"
  checked=$((checked + 1))
done

if ((${#absent[@]})) && [[ ${CI:-} == true ]]; then
  fail "${absent[*]} absent under CI (make setup, i.e. scripts/trained_models.sh, should have laid them out)"
fi
if ((failures == 0 && checked == 0)); then
  echo "$TEST_NAME: no trained model present (${absent[*]}): skipped"; exit 77
fi
finish
