#!/usr/bin/env bash
# Regenerates the reference embeddings of textembed's own test texts (multilingual,
# long, adversarial), committed beside this script:
#   own_texts.jsonl                  the texts, {"text": ...} per line
#   own_texts.ids.jsonl              ids from Hugging Face tokenizers (npm), max length 256
#                                    (both models share the all-MiniLM-L6-v2 tokenizer)
#   own_texts.<model>.f32            float32 LE rows from shared/tools/reference_bert.py
#                                    (independent PyTorch forward, mean pooling, L2 norm)
# Needs: scripts/setup.sh --bench (python3-torch, numpy) and tools/node installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
shared=${TEXTEMBED_TEST_DATA:-$root/../shared}

/usr/bin/python3 - "$shared" "$root/tests/data/adversarial.jsonl" > "$here/own_texts.jsonl" <<'PY'
import json, sys, glob, os
shared, adversarial = sys.argv[1], sys.argv[2]
texts = [json.loads(l) for l in open(adversarial, encoding="utf-8")]
texts = [t if isinstance(t, str) else t["text"] for t in texts]
for path in sorted(glob.glob(os.path.join(shared, "data/multilingual/tatoeba/tatoeba.*-eng.*"))):
    if path.endswith(".eng"):
        continue
    lines = open(path, encoding="utf-8").read().split("\n")
    texts += [l for l in lines[:: max(1, len(lines) // 5)] if l][:5]
articles = open(os.path.join(shared, "data/corpus/bbc_news_articles.txt"), encoding="utf-8").read().split("\n")
texts += [a for a in articles[::223] if a][:10]   # long: truncated at 256 tokens
for t in texts:
    print(json.dumps({"text": t}, ensure_ascii=False))
PY

ids="$here/own_texts.ids.jsonl"
node "$root/tools/node/hf_tokenize.js" --model "$shared/models/minilm-l6-random" --max-length 256 --jsonl \
  < "$here/own_texts.jsonl" > "$ids"
for model in minilm-l6-random bert-tiny-random; do
  /usr/bin/python3 "$shared/tools/reference_bert.py" "$shared/models/$model" "$ids" "/tmp/own_texts.$model.npy" --threads 2
  /usr/bin/python3 -c "import numpy, sys; numpy.load(sys.argv[1]).astype('<f4').tofile(sys.argv[2])" \
    "/tmp/own_texts.$model.npy" "$here/own_texts.$model.f32"
done
wc -l "$here/own_texts.jsonl"
