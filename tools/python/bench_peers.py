#!/usr/bin/env python3
"""The peers of bench/trained_compare.sh: ONNX Runtime and sentence-transformers.

  bench_peers.py select --model DIR --corpus FILE --limit N --min-tokens T --out TEXTS
      writes the first N lines of FILE with at least T tokens (after truncation at
      the model's max_seq_length) to TEXTS; prints {"texts", "tokens", "mean_tokens"}
  bench_peers.py run ENGINE --model DIR --input TEXTS --threads N [--onnx FILE] [--repeat R]
      ENGINE is "ort" or "st"; prints {"engine", "texts", "tokens", "seconds", "tokens_per_s", ...}

tokens counts every token the model sees (special tokens included, truncated at
max_seq_length), exactly what `textembed bench` counts. Both peers run batches
of 32 texts sorted by length (sentence-transformers' own encode() order, the
usual ORT practice); each keeps the fastest of R passes after one warm-up batch.
  ort  onnxruntime InferenceSession on the export of tools/python/export_onnx.py,
       intra-op threads = N, graph optimizations ALL; its time covers the forward
       pass, pooling and normalization on ids tokenized beforehand (tokenization
       is left out of ORT's time, which favours ORT)
  st   SentenceTransformer(DIR).encode(texts, batch_size=32) with
       torch.set_num_threads(N): its whole pipeline, tokenization included
The ORT output is checked against sentence-transformers on the first texts
(min cosine printed) so a broken export cannot pass as fast.
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def load_tokenizer(model_dir):
    from transformers import AutoTokenizer
    with open(os.path.join(model_dir, "sentence_bert_config.json")) as f:
        max_len = json.load(f).get("max_seq_length", 512)
    return AutoTokenizer.from_pretrained(model_dir), max_len


def select(args):
    tok, max_len = load_tokenizer(args.model)
    chosen, tokens = [], 0
    for text in read_lines(args.corpus):
        n = len(tok(text, truncation=True, max_length=max_len)["input_ids"])
        if n >= args.min_tokens:
            chosen.append(text)
            tokens += n
            if len(chosen) == args.limit:
                break
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(chosen) + "\n")
    print(json.dumps({"texts": len(chosen), "tokens": tokens, "mean_tokens": round(tokens / max(1, len(chosen)), 1)}))


def pooling_mode(model_dir):
    with open(os.path.join(model_dir, "1_Pooling", "config.json")) as f:
        config = json.load(f)
    return "cls" if config.get("pooling_mode_cls_token") else "mean"


def run_ort(args, texts):
    import numpy as np
    import onnxruntime as ort
    tok, max_len = load_tokenizer(args.model)
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(args.onnx, options, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    encoded = [tok(t, truncation=True, max_length=max_len) for t in texts]
    order = sorted(range(len(texts)), key=lambda i: -len(encoded[i]["input_ids"]))
    batches = []
    for start in range(0, len(order), args.batch):
        rows = [encoded[i] for i in order[start:start + args.batch]]
        width = max(len(r["input_ids"]) for r in rows)
        feed = {}
        for name in names:
            pad = tok.pad_token_id if name == "input_ids" else 0
            feed[name] = np.array([r[name] + [pad] * (width - len(r[name])) if name in r
                                   else [0] * width for r in rows], dtype=np.int64)
        batches.append((order[start:start + args.batch], feed))
    mode = pooling_mode(args.model)
    out = np.zeros((len(texts), 0), dtype=np.float32)

    def one_pass(selected):
        nonlocal out
        for idx, feed in selected:
            hidden = session.run(None, feed)[0]
            if mode == "cls":
                pooled = hidden[:, 0]
            else:
                mask = feed["attention_mask"][:, :, None].astype(np.float32)
                pooled = (hidden * mask).sum(1) / np.maximum(mask.sum(1), 1e-9)
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            if out.shape[1] == 0:
                out = np.zeros((len(texts), pooled.shape[1]), dtype=np.float32)
            out[idx] = pooled

    one_pass(batches[:1])  # warm-up
    best = min(timed(lambda: one_pass(batches)) for _ in range(args.repeat))
    tokens = sum(len(e["input_ids"]) for e in encoded)
    return best, tokens, out


def load_st(args):
    import torch
    from sentence_transformers import SentenceTransformer
    torch.set_num_threads(args.threads)
    return SentenceTransformer(args.model, device="cpu")


def run_st(args, texts):
    model = load_st(args)
    model.encode(texts[:32], batch_size=32)  # warm-up
    best = min(timed(lambda: model.encode(texts, batch_size=args.batch)) for _ in range(args.repeat))
    tok, max_len = load_tokenizer(args.model)
    tokens = sum(len(tok(t, truncation=True, max_length=max_len)["input_ids"]) for t in texts)
    return best, tokens, None


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(args):
    texts = read_lines(args.input)
    if args.engine == "ort":
        seconds, tokens, emb = run_ort(args, texts)
        import numpy as np
        check = min(len(texts), 64)
        ref = load_st(args).encode(texts[:check], normalize_embeddings=True)
        min_cos = float(np.min(np.sum(ref * emb[:check], axis=1)))
    else:
        seconds, tokens, _ = run_st(args, texts)
        min_cos = None
    import onnxruntime, sentence_transformers, torch
    result = {"engine": args.engine, "threads": args.threads, "texts": len(texts), "tokens": tokens,
              "seconds": round(seconds, 4), "tokens_per_s": round(tokens / seconds, 1),
              "version": onnxruntime.__version__ if args.engine == "ort" else
              f"sentence-transformers {sentence_transformers.__version__}, torch {torch.__version__}"}
    if min_cos is not None:
        result["min_cos_vs_st"] = round(min_cos, 7)
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("select")
    s.add_argument("--model", required=True)
    s.add_argument("--corpus", required=True)
    s.add_argument("--limit", type=int, required=True)
    s.add_argument("--min-tokens", type=int, default=0)
    s.add_argument("--out", required=True)
    r = sub.add_parser("run")
    r.add_argument("engine", choices=["ort", "st"])
    r.add_argument("--model", required=True)
    r.add_argument("--input", required=True)
    r.add_argument("--threads", type=int, required=True)
    r.add_argument("--onnx")
    r.add_argument("--repeat", type=int, default=2)
    r.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    if args.command == "select":
        select(args)
    elif args.engine == "ort" and not args.onnx:
        sys.exit("bench_peers: ort needs --onnx")
    else:
        run(args)


if __name__ == "__main__":
    main()
