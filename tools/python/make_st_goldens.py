#!/usr/bin/env python3
"""Reference embeddings of trained models, produced by sentence-transformers itself.

For each model folder (laid out by scripts/trained_models.sh) this runs
`SentenceTransformer(folder, device="cpu").encode(texts)` with the library's
defaults (max_seq_length, pooling and Normalize from the folder, batch 32) on

  stsb   ../shared/data/goldens/stsb-dev-sentences.jsonl (2,910 STS-B dev sentences)
  own    tests/data/goldens/own_texts.jsonl (multilingual, long, adversarial)

and writes, under tests/data/goldens/trained/:

  <set>.<model>.f16        rows as float16 little-endian (committed; f16 rounding
                           moves a cosine by < 1e-7, far below the 1e-5 tolerance)
  manifest.json            per model: library versions, weights sha256, dims,
                           row counts, and the STS-B dev Spearman of the
                           full-precision reference embeddings

Every row is stored (all-mpnet-base-v2, 768 wide: 4.9 MB for both sets). For
models wider than 384 the manifest also describes a CI subset, because
embedding all 2,910 STS-B sentences with such a model costs minutes on a 2-core
CI machine: every --ci-pair-step-th pair of stsb-dev.tsv (0-based line index a
multiple of the step) with both of its sentences, plus all own texts. Its
entry holds the step and sentence-transformers' Spearman over those pairs, so
the integration test checks fidelity on the subset's rows and the subset
Spearman; TEXTEMBED_TRAINED_FULL=1 makes it check every row and the full
Spearman. The full Spearman always uses all 1,500 pairs.

A name "<base>+cls" is a variant: the base folder with its 1_Pooling switched
to CLS pooling (as bge-* models use; no PyPI package carries a trained bge
folder). Built in a temporary folder of symlinks that the integration test
rebuilds the same way; only the "own" set is stored for it. Regenerate with (needs scripts/python_env.sh and make models):

  .venv/bin/python tools/python/make_st_goldens.py all-MiniLM-L6-v2 all-MiniLM-L6-v2+cls all-mpnet-base-v2

--f32-dir DIR also writes the full-precision rows (<set>.<model>.f32) there,
for measuring figures without the f16 rounding (not committed).
"""
import argparse
import hashlib
import json
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHARED = os.environ.get("TEXTEMBED_TEST_DATA", os.path.join(ROOT, "..", "shared"))
OUT = os.path.join(ROOT, "tests", "data", "goldens", "trained")


def read_texts(path):
    texts = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            texts.append(row if isinstance(row, str) else row["text"])
    return texts


def stsb_pairs(step=1):
    """(score, sentence a, sentence b) of stsb-dev.tsv lines whose 0-based index is a multiple of step."""
    with open(os.path.join(SHARED, "data", "stsb", "stsb-dev.tsv"), encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if line.strip()]
    return [(float(score), a, b) for score, a, b in (l.split("\t") for l in lines[::step])]


def stsb_spearman(embeddings, sentences, step=1):
    """Spearman of cosine similarity vs gold score over the dev pairs (every step-th)."""
    import numpy as np
    from scipy.stats import spearmanr
    index = {s: i for i, s in enumerate(sentences)}
    gold, cos = [], []
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True).clip(min=1e-12)
    for score, a, b in stsb_pairs(step):
        gold.append(score)
        cos.append(float(np.dot(unit[index[a]].astype(np.float64), unit[index[b]].astype(np.float64))))
    return float(spearmanr(cos, gold).statistic)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def make_variant(folder, variant):
    """A temporary copy of folder (symlinked files) with the pooling changed."""
    import tempfile
    if variant != "cls":
        sys.exit(f"unknown variant {variant!r}")
    tmp = tempfile.mkdtemp(prefix="st-variant-")
    for entry in os.listdir(folder):
        if entry != "1_Pooling":
            os.symlink(os.path.join(folder, entry), os.path.join(tmp, entry))
    os.makedirs(os.path.join(tmp, "1_Pooling"))
    with open(os.path.join(folder, "1_Pooling", "config.json")) as f:
        pooling = json.load(f)
    for key in list(pooling):
        if key.startswith("pooling_mode_"):
            pooling[key] = key == "pooling_mode_cls_token"
    with open(os.path.join(tmp, "1_Pooling", "config.json"), "w") as f:
        json.dump(pooling, f, indent=2)
    return tmp


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+", help="names of folders under --models-dir")
    parser.add_argument("--models-dir", default=os.path.join(ROOT, "models"))
    parser.add_argument("--ci-pair-step", type=int, default=5,
                        help="CI subset for models wider than 384: every Nth STS-B dev pair (0: no subset)")
    parser.add_argument("--f32-dir", help="also write the full-precision rows here (not committed)")
    args = parser.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import numpy as np
    import torch
    import transformers
    import sentence_transformers
    from sentence_transformers import SentenceTransformer

    sets = {
        "stsb": read_texts(os.path.join(SHARED, "data", "goldens", "stsb-dev-sentences.jsonl")),
        "own": read_texts(os.path.join(ROOT, "tests", "data", "goldens", "own_texts.jsonl")),
    }
    os.makedirs(OUT, exist_ok=True)
    manifest_path = os.path.join(OUT, "manifest.json")
    manifest = json.load(open(manifest_path)) if os.path.exists(manifest_path) else {}
    for name in args.models:
        base, _, variant = name.partition("+")
        folder = os.path.join(args.models_dir, base)
        if variant:
            folder = make_variant(folder, variant)
        model = SentenceTransformer(folder, device="cpu")
        entry = {
            "sentence_transformers": sentence_transformers.__version__,
            "transformers": transformers.__version__,
            "torch": torch.__version__,
            "model_safetensors_sha256": sha256(os.path.join(folder, "model.safetensors")),
            "max_seq_length": model.max_seq_length,
            "dim": (getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension)(),
            "sets": {},
        }
        for set_name, texts in sets.items():
            if variant and set_name != "own":
                continue
            emb = model.encode(texts, convert_to_numpy=True)
            rows = len(texts)
            if set_name == "stsb" and not variant:
                entry["stsb_spearman"] = stsb_spearman(emb, texts)
                if entry["dim"] > 384 and args.ci_pair_step > 1:
                    step = args.ci_pair_step
                    pairs = stsb_pairs(step)
                    entry["ci_subset"] = {
                        "stsb_pair_step": step,
                        "stsb_pairs": len(pairs),
                        "stsb_rows": len({s for _, a, b in pairs for s in (a, b)}),
                        "stsb_spearman": stsb_spearman(emb, texts, step),
                    }
            file_name = f"{set_name}.{name}.f16"
            emb[:rows].astype("<f2").tofile(os.path.join(OUT, file_name))
            if args.f32_dir:
                os.makedirs(args.f32_dir, exist_ok=True)
                emb.astype("<f4").tofile(os.path.join(args.f32_dir, f"{set_name}.{name}.f32"))
            entry["sets"][set_name] = {"file": file_name, "rows": rows, "texts": len(texts)}
            print(f"{name}: {set_name} {rows}/{len(texts)} rows", file=sys.stderr)
        if "stsb_spearman" in entry:
            print(f"{name}: STS-B dev Spearman (sentence-transformers) {entry['stsb_spearman']:.6f}", file=sys.stderr)
        if "ci_subset" in entry:
            sub = entry["ci_subset"]
            print(f"{name}: CI subset: every {sub['stsb_pair_step']}th pair, {sub['stsb_pairs']} pairs, "
                  f"{sub['stsb_rows']} sentences, Spearman {sub['stsb_spearman']:.6f}", file=sys.stderr)
        manifest[name] = entry
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
