#!/usr/bin/env python3
"""textembed vs sentence-transformers on the trained all-mpnet-base-v2 (models/, laid out by
scripts/trained_models.sh): min cosine per set. A subset, sized for a shared 2-core machine:
the first 300 STS-B dev sentences; every 3rd own text plus the 10 long ones (truncated at 384).

  .venv/bin/python tools/python/check_trained_mpnet.py [path/to/textembed]
"""
import json
import os
import subprocess
import sys

import numpy as np
import torch
from sentence_transformers import SentenceTransformer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("TEXTEMBED_TEST_DATA", os.path.join(ROOT, "..", "shared"))
folder = os.path.join(ROOT, "models", "all-mpnet-base-v2")
binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "release", "textembed")
sets = {"stsb": os.path.join(SHARED, "data", "goldens", "stsb-dev-sentences.jsonl"),
        "own": os.path.join(ROOT, "tests", "data", "goldens", "own_texts.jsonl")}
torch.set_num_threads(2)
model = SentenceTransformer(folder, device="cpu")
for name, path in sets.items():
    texts = [json.loads(line)["text"] for line in open(path, encoding="utf-8") if line.strip()]
    texts = texts[:300] if name == "stsb" else texts[:-10:3] + texts[-10:]
    ref = model.encode(texts, batch_size=32, convert_to_numpy=True)
    lines = "".join(json.dumps(t) + "\n" for t in texts)
    out = subprocess.run([binary, "embed", "--model", folder, "--threads", "2", "--jsonl", "--output", "f32"],
                         input=lines.encode(), capture_output=True, check=True).stdout
    got = np.frombuffer(out, dtype=np.float32).reshape(len(texts), -1)
    cos = np.sum(got * ref, axis=1) / np.linalg.norm(got, axis=1) / np.linalg.norm(ref, axis=1)
    i = int(np.argmin(cos))
    print(f"{name}: {len(texts)} texts, min cosine {cos[i]:.9f} (1 - {1 - cos[i]:.2e}) at text {i}: {texts[i][:60]!r}")
