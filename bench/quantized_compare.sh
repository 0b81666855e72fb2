#!/usr/bin/env bash
# textembed f32 / bf16 / int8 vs ONNX Runtime f32 / int8 (CPU), one script run:
# accuracy of every dtype against textembed f32 over the STS-B dev sentences
# plus tests/data/goldens/own_texts (adversarial, multilingual, long), STS-B
# dev Spearman of each, and throughput on short and long inputs at 1 and 2
# threads, all from the same token ids (Hugging Face tokenizers, max 256).
#
#   bench/quantized_compare.sh [BUILD_DIR]        (default build/release)
#
# ORT int8 is the recipe users apply: onnxruntime.quantization.quantize_dynamic
# (per_channel=True, QInt8 weights, u8 dynamic activations; ORT fuses it to
# DynamicQuantizeMatMul/MatMulInteger) on the fp32 export made by
# ../shared/tools/reference_bert.py. Both sides embed the same ids sorted by
# length, 32 per batch (ORT padded, textembed packed), forward + mean pooling +
# L2 norm timed, best of PASSES; the two engines alternate per point so machine
# load hits both alike. Prints `uptime` with the figures: ratios are what to read.
#
# Environment: MODEL (default ../shared/models/minilm-l6-random), THREADS ("1 2"),
# CLASSES ("short long"), PASSES (3), SHORT_N (1000), LONG_N (300),
# PY (.venv/bin/python: onnxruntime, onnx, tokenizers, numpy; scripts/python_env.sh).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh" "$@"
tool="$build_dir/quantized_embed_bench"
model="${MODEL:-$shared/models/minilm-l6-random}"
name="$(basename "$model")"
py="${PY:-$repo/.venv/bin/python}"
work="$repo/build/bench/quantized"
mkdir -p "$work"

[[ -x "$tool" ]] || { say "$tool missing: cmake --build $build_dir --target quantized_embed_bench"; exit 1; }
"$py" -c 'import onnxruntime, onnx, tokenizers, numpy' 2>/dev/null ||
  { say "$py lacks onnxruntime/onnx/tokenizers/numpy (scripts/python_env.sh makes .venv)"; exit 1; }

onnx_f32="$work/$name.onnx" onnx_int8="$work/$name.int8.onnx"
if [[ ! -s "$onnx_f32" ]]; then
  say "exporting $name to ONNX: $onnx_f32"
  "$py" "$shared/tools/reference_bert.py" "$model" --export-onnx "$onnx_f32" >"$work/export.log" 2>&1 ||
    { say "export failed, see $work/export.log"; exit 1; }
fi
if [[ ! -s "$onnx_int8" ]]; then
  say "quantizing with onnxruntime.quantization.quantize_dynamic(per_channel=True): $onnx_int8"
  "$py" - "$onnx_f32" "$onnx_int8" <<'PY'
import sys
from onnxruntime.quantization import quantize_dynamic, QuantType
quantize_dynamic(sys.argv[1], sys.argv[2], per_channel=True, weight_type=QuantType.QInt8)
PY
fi

# Inputs: accuracy set (STS-B dev sentences + own texts) and the speed classes.
"$py" - "$model" "$shared" "$repo" "$work" "${SHORT_N:-1000}" "${LONG_N:-300}" <<'PY'
import json, sys, os
from tokenizers import Tokenizer
model, shared, repo, work, short_n, long_n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
tok = Tokenizer.from_file(os.path.join(model, "tokenizer.json"))
tok.enable_truncation(256)
tok.no_padding()
def write(path, texts):
    with open(path, "w") as out:
        for t in texts:
            out.write(json.dumps({"ids": tok.encode(t).ids}) + "\n")
stsb = [json.loads(l)["text"] for l in open(os.path.join(shared, "data/goldens/stsb-dev-sentences.jsonl"))]
own = [json.loads(l)["text"] for l in open(os.path.join(repo, "tests/data/goldens/own_texts.jsonl"))]
write(os.path.join(work, "accuracy.ids.jsonl"), stsb + own)
with open(os.path.join(work, "accuracy.count"), "w") as f:
    f.write(str(len(stsb)))
corpus = os.path.join(shared, "data/corpus")
short = [l for l in open(os.path.join(corpus, "squad_v1.1_dev_questions.txt"), encoding="utf-8").read().split("\n") if l.strip()][:short_n]
long_texts = []
for l in open(os.path.join(corpus, "bbc_news_paragraphs.txt"), encoding="utf-8").read().split("\n"):
    if l.strip() and len(tok.encode(l).ids) >= 100:
        long_texts.append(l)
        if len(long_texts) == long_n:
            break
write(os.path.join(work, "short.ids.jsonl"), short)
write(os.path.join(work, "long.ids.jsonl"), long_texts)
PY

# ORT side: embeddings (forward + mean pooling + L2) of an ids file, timed like the tool.
ort() {  # ort ONNX IDS THREADS PASSES [OUT] -> one JSON line
  "$py" - "$@" <<'PY'
import json, sys, time
import numpy as np, onnxruntime as rt
onnx, ids_path, threads, passes = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
out = sys.argv[5] if len(sys.argv) > 5 else None
texts = [json.loads(l)["ids"] for l in open(ids_path) if l.strip()]
so = rt.SessionOptions()
so.intra_op_num_threads = threads
so.inter_op_num_threads = 1
so.execution_mode = rt.ExecutionMode.ORT_SEQUENTIAL
so.graph_optimization_level = rt.GraphOptimizationLevel.ORT_ENABLE_ALL
sess = rt.InferenceSession(onnx, so, providers=["CPUExecutionProvider"])
order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
batches = []
for b in range(0, len(order), 32):
    rows = order[b:b + 32]
    width = max(len(texts[i]) for i in rows)
    ids = np.zeros((len(rows), width), np.int64)
    mask = np.zeros((len(rows), width), np.int64)
    for r, i in enumerate(rows):
        ids[r, :len(texts[i])] = texts[i]
        mask[r, :len(texts[i])] = 1
    batches.append((rows, ids, mask))
emb = None
best, best_cpu = 1e30, 1e30
for _ in range(passes):
    start, cpu = time.perf_counter(), time.process_time()
    results = []
    for rows, ids, mask in batches:
        h = sess.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        m = mask[:, :, None].astype(np.float32)
        pooled = (h * m).sum(1) / m.sum(1)
        pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
        results.append((rows, pooled))
    best = min(best, time.perf_counter() - start)
    best_cpu = min(best_cpu, time.process_time() - cpu)
if out:
    emb = np.zeros((len(texts), results[0][1].shape[1]), np.float32)
    for rows, pooled in results:
        emb[rows] = pooled
    emb.tofile(out)
tokens = sum(len(t) for t in texts)
print(json.dumps({"engine": "onnxruntime", "threads": threads, "texts": len(texts), "tokens": tokens,
                  "seconds": best, "tokens_per_s": tokens / best, "tokens_per_cpu_s": tokens / best_cpu}))
PY
}
te() {  # te DTYPE IDS THREADS PASSES [OUT]
  local args=(--model "$model" --dtype "$1" --ids "$2" --threads "$3" --passes "$4")
  [[ $# -gt 4 ]] && args+=(--out "$5")
  "$tool" "${args[@]}"
}
field() { "$py" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

echo "== $name, $(nproc) CPUs; $(uptime)"
echo "== accuracy (vs textembed f32; STS-B dev pairs Spearman of cosine vs gold)"
acc="$work/accuracy.ids.jsonl"
for d in f32 bf16 int8; do te "$d" "$acc" 2 1 "$work/acc.te.$d.f32" >/dev/null; done
ort "$onnx_f32" "$acc" 2 1 "$work/acc.ort.f32.f32" >/dev/null
ort "$onnx_int8" "$acc" 2 1 "$work/acc.ort.int8.f32" >/dev/null
"$py" - "$work" "$shared" "$(cat "$work/accuracy.count")" <<'PY'
import json, os, sys
import numpy as np
work, shared, n_stsb = sys.argv[1], sys.argv[2], int(sys.argv[3])
def load(tag):
    v = np.fromfile(os.path.join(work, f"acc.{tag}.f32"), np.float32)
    return v.reshape(-1, v.size // sum(1 for _ in open(os.path.join(work, "accuracy.ids.jsonl"))))
base = load("te.f32")
row = {json.loads(l)["text"]: i for i, l in enumerate(open(os.path.join(shared, "data/goldens/stsb-dev-sentences.jsonl")))}
pairs = [l.rstrip("\n").split("\t") for l in open(os.path.join(shared, "data/stsb/stsb-dev.tsv"))]
gold = np.array([float(p[0]) for p in pairs])
a_idx = np.array([row[p[1]] for p in pairs]); b_idx = np.array([row[p[2]] for p in pairs])
def rank(x):
    order = np.argsort(x, kind="stable"); r = np.empty(len(x)); r[order] = np.arange(len(x))
    # average ties
    xs = x[order]; i = 0
    while i < len(xs):
        j = i
        while j + 1 < len(xs) and xs[j + 1] == xs[i]: j += 1
        r[order[i:j + 1]] = (i + j) / 2; i = j + 1
    return r
def spearman(e):
    cos = (e[a_idx] * e[b_idx]).sum(1) / (np.linalg.norm(e[a_idx], axis=1) * np.linalg.norm(e[b_idx], axis=1))
    return np.corrcoef(rank(gold), rank(cos))[0, 1]
ref_sp = spearman(base)
print(f"{'engine':<22}{'min cos':>12}{'mean 1-cos':>12}{'STS-B min':>12}{'own min':>10}{'Spearman':>10}{'Δ vs f32':>10}")
for tag, label, against in [("te.f32", "textembed f32", "te.f32"), ("te.bf16", "textembed bf16", "te.f32"),
                            ("te.int8", "textembed int8", "te.f32"), ("ort.f32", "ORT f32", "te.f32"),
                            ("ort.int8", "ORT int8", "te.f32"), ("ort.int8", "ORT int8 vs ORT f32", "ort.f32")]:
    e, b = load(tag), load(against)
    cos = (e * b).sum(1) / (np.linalg.norm(e, axis=1) * np.linalg.norm(b, axis=1))
    sp = spearman(e)
    print(f"{label:<22}{cos.min():>12.6f}{(1 - cos).mean():>12.2e}{cos[:n_stsb].min():>12.6f}{cos[n_stsb:].min():>10.6f}{sp:>10.5f}{sp - ref_sp:>+10.5f}")
PY

echo "== throughput (tokens/s, best of ${PASSES:-3}; forward + pooling on the same ids)"
printf '%-6s %7s %7s %10s %10s %10s %10s %10s %9s %9s %9s %9s\n' class threads tokens "te f32" "te bf16" "te int8" \
  "ORT f32" "ORT int8" "int8/ORT8" "int8/ORT" "int8/f32" "bf16/f32"
for class in ${CLASSES:-short long}; do
  ids="$work/$class.ids.jsonl"
  for threads in ${THREADS:-1 2}; do
    p="${PASSES:-3}"
    o8=$(ort "$onnx_int8" "$ids" "$threads" "$p"); t8=$(te int8 "$ids" "$threads" "$p")
    o32=$(ort "$onnx_f32" "$ids" "$threads" "$p"); t32=$(te f32 "$ids" "$threads" "$p")
    tb=$(te bf16 "$ids" "$threads" "$p")
    read -r a b c d e tok < <(echo "$(field "$t32" tokens_per_s) $(field "$tb" tokens_per_s) $(field "$t8" tokens_per_s) $(field "$o32" tokens_per_s) $(field "$o8" tokens_per_s) $(field "$t8" tokens)")
    awk -v cl="$class" -v th="$threads" -v tok="$tok" -v a="$a" -v b="$b" -v c="$c" -v d="$d" -v e="$e" 'BEGIN {
      printf "%-6s %7d %7d %10.0f %10.0f %10.0f %10.0f %10.0f %9.2f %9.2f %9.2f %9.2f\n", cl, th, tok, a, b, c, d, e, c / e, c / d, c / a, b / a }'
  done
done
echo "== after: $(uptime)"
