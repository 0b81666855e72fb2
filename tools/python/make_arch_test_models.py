#!/usr/bin/env python3
"""Builds the small random-weight MPNet and XLM-RoBERTa test models and their
reference embeddings, with Hugging Face `transformers` and `sentence-transformers`
(PyPI) as the independent reference, into tests/data/models/:

  mpnet-tiny/   MPNetModel (all-mpnet-base-v2's config shape, shrunk), vocab of the
                all-mpnet-base-v2 tokenizer; model.safetensors (F16); modules:
                Transformer, Pooling (mean), Normalize; max_seq_length 384.
  xlmr-tiny/    XLMRobertaModel, vocab of a SentencePiece Unigram + Precompiled
                tokenizer (t5-small's: no XLM-R tokenizer.json is in ../shared, and
                XLM-R's 250k vocab would not fit a committed test model);
                pytorch_model.bin (F16, as older folders ship), pad_token_id 0,
                type_vocab_size 1; modules: Transformer, Pooling (mean),
                Dense 32 -> 24 tanh (2_Dense/pytorch_model.bin), Normalize.
  reference/    <model>.stsb.f32 and <model>.own.f32: SentenceTransformer(folder)
                .encode() rows (float32 LE) for ../shared/data/goldens/
                stsb-dev-sentences.jsonl and tests/data/goldens/own_texts.jsonl;
                mpnet_relative_buckets.json: transformers' bucket of every relative
                position in [-1100, 1100].

tokenizer.json is not committed (0.5-1.4 MB): tests link the shared one
(tokenizers/<name>/tokenizer.json) into a temporary copy of the folder.

Weights are drawn with a fixed seed and larger-than-default scales (random biases
and LayerNorm gains, std-1 relative attention bias) so that a wrong position,
bias, norm or head split changes the output visibly; the script prints how far
the embeddings move when the relative bias is dropped.

Usage: .venv/bin/python tools/python/make_arch_test_models.py [--shared ../shared]
"""
import argparse
import json
import math
import os
import shutil
import tempfile

import numpy as np
import torch
from safetensors.torch import save_file
from sentence_transformers import SentenceTransformer
from transformers import MPNetConfig, MPNetModel, XLMRobertaConfig, XLMRobertaModel
from transformers.models.mpnet.modeling_mpnet import MPNetEncoder

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEED = 20261201


def read_texts(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f if line.strip()]


def randomize(model, relative_bias_std=None):
    """Random biases and LayerNorm parameters (transformers zeroes/ones them)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("LayerNorm.weight"):
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
            elif name.endswith("LayerNorm.bias") or name.endswith(".bias"):
                p.copy_(0.1 * torch.randn_like(p))
            if relative_bias_std and name.endswith("relative_attention_bias.weight"):
                p.copy_(relative_bias_std * torch.randn_like(p))
            # The folder stores F16: keep the in-memory model at exactly those values.
            p.copy_(p.half().float())


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def write_modules(folder, hidden, max_seq_length, dense=None):
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    write_json(os.path.join(folder, "1_Pooling", "config.json"), {
        "word_embedding_dimension": hidden, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False})
    if dense is not None:
        modules.append({"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"})
        write_json(os.path.join(folder, "2_Dense", "config.json"), {
            "in_features": dense.in_features, "out_features": dense.out_features, "bias": True,
            "activation_function": "torch.nn.modules.activation.Tanh"})
        # Older sentence-transformers (and most published Dense modules) save a pickle.
        torch.save({"linear.weight": dense.weight.detach().clone(), "linear.bias": dense.bias.detach().clone()},
                   os.path.join(folder, "2_Dense", "pytorch_model.bin"))
    n = len(modules)
    modules.append({"idx": n, "name": str(n), "path": f"{n}_Normalize",
                    "type": "sentence_transformers.models.Normalize"})
    os.makedirs(os.path.join(folder, f"{n}_Normalize"), exist_ok=True)
    write_json(os.path.join(folder, "modules.json"), modules)
    write_json(os.path.join(folder, "sentence_bert_config.json"),
               {"max_seq_length": max_seq_length, "do_lower_case": False})


def encode(folder, tokenizer_json, texts):
    """sentence-transformers on a copy of `folder` with its tokenizer beside it."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, os.path.basename(folder))
        shutil.copytree(folder, copy)
        shutil.copy(tokenizer_json, os.path.join(copy, "tokenizer.json"))
        model = SentenceTransformer(copy, device="cpu", model_kwargs={"torch_dtype": torch.float32})
        return model.encode(texts, batch_size=64, convert_to_numpy=True).astype(np.float32)


def min_cosine(a, b):
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return float(np.min(np.sum(a * b, axis=1)))


def build(name, model, tokenizer_json, tokenizer_config, max_seq_length, out, texts, weights_format,
          dense=None, ablate=None):
    folder = os.path.join(out, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    model.config.save_pretrained(folder)
    state = {k: v.detach().half().contiguous() for k, v in model.state_dict().items() if v.is_floating_point()}
    if weights_format == "safetensors":
        save_file(state, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
    else:
        torch.save(state, os.path.join(folder, "pytorch_model.bin"))
    write_json(os.path.join(folder, "tokenizer_config.json"), tokenizer_config)
    write_modules(folder, model.config.hidden_size, max_seq_length, dense)

    ref_dir = os.path.join(out, "reference")
    os.makedirs(ref_dir, exist_ok=True)
    results = {}
    for label, subset in texts.items():
        rows = encode(folder, tokenizer_json, subset)
        rows.tofile(os.path.join(ref_dir, f"{name}.{label}.f32"))
        results[label] = rows
        print(f"{name}: {label}: {rows.shape[0]} x {rows.shape[1]}")
    if ablate is not None:  # how much the architecture-specific part moves the output
        what, change = ablate
        saved = {k: v.clone() for k, v in model.state_dict().items()}
        change(model)
        state = {k: v.detach().half().contiguous() for k, v in model.state_dict().items() if v.is_floating_point()}
        if weights_format == "safetensors":
            save_file(state, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
        else:
            torch.save(state, os.path.join(folder, "pytorch_model.bin"))
        rows = encode(folder, tokenizer_json, texts["stsb"])
        print(f"{name}: without {what}: min cosine to the real reference {min_cosine(rows, results['stsb']):.6f}")
        model.load_state_dict(saved)
        state = {k: v.detach().half().contiguous() for k, v in model.state_dict().items() if v.is_floating_point()}
        if weights_format == "safetensors":
            save_file(state, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
        else:
            torch.save(state, os.path.join(folder, "pytorch_model.bin"))
        again = encode(folder, tokenizer_json, texts["stsb"][:50])  # other batches: other padding
        assert min_cosine(again, results["stsb"][:50]) > 0.999999, "restored weights do not reproduce the reference"
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(folder) for f in fs)
    print(f"{name}: folder {size / 1e6:.2f} MB")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.environ.get("TEXTEMBED_TEST_DATA", os.path.join(ROOT, "..", "shared")))
    parser.add_argument("--out", default=os.path.join(ROOT, "tests", "data", "models"))
    args = parser.parse_args()
    texts = {"stsb": read_texts(os.path.join(args.shared, "data", "goldens", "stsb-dev-sentences.jsonl")),
             "own": read_texts(os.path.join(ROOT, "tests", "data", "goldens", "own_texts.jsonl"))}

    # MPNet: the bucket table first (independent of weights).
    rel = torch.arange(-1100, 1101)
    buckets = MPNetEncoder.relative_position_bucket(rel, num_buckets=32, max_distance=128)
    write_json(os.path.join(args.out, "reference", "mpnet_relative_buckets.json"),
               {"first_relative_position": -1100, "num_buckets": 32, "max_distance": 128,
                "buckets": buckets.tolist()})

    mpnet_tokenizer = os.path.join(args.shared, "tokenizers", "all-mpnet-base-v2", "tokenizer.json")
    vocab = len(json.load(open(mpnet_tokenizer, encoding="utf-8"))["model"]["vocab"])
    torch.manual_seed(SEED)
    config = MPNetConfig(vocab_size=vocab, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=64, max_position_embeddings=514, relative_attention_num_buckets=32,
                         initializer_range=0.25, layer_norm_eps=1e-5, pad_token_id=1, bos_token_id=0,
                         eos_token_id=2)
    mpnet = MPNetModel(config).eval()
    randomize(mpnet, relative_bias_std=1.0)

    def drop_relative_bias(model):
        with torch.no_grad():
            model.encoder.relative_attention_bias.weight.zero_()

    build("mpnet-tiny", mpnet, mpnet_tokenizer,
          {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 512, "pad_token": "<pad>",
           "model_input_names": ["input_ids", "attention_mask"]},
          384, args.out, texts, "safetensors", ablate=("relative attention bias", drop_relative_bias))

    t5_tokenizer = os.path.join(args.shared, "tokenizers", "t5-small", "tokenizer.json")
    tok = json.load(open(t5_tokenizer, encoding="utf-8"))
    vocab = max(len(tok["model"]["vocab"]), 1 + max(t["id"] for t in tok["added_tokens"]))
    torch.manual_seed(SEED + 1)
    config = XLMRobertaConfig(vocab_size=vocab, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                              intermediate_size=64, max_position_embeddings=514, type_vocab_size=1,
                              initializer_range=0.25, layer_norm_eps=1e-5, pad_token_id=0, bos_token_id=0,
                              eos_token_id=1)
    xlmr = XLMRobertaModel(config).eval()
    randomize(xlmr)
    dense = torch.nn.Linear(32, 24)
    with torch.no_grad():
        dense.weight.copy_(0.3 * torch.randn_like(dense.weight))
        dense.bias.copy_(0.1 * torch.randn_like(dense.bias))

    def shift_positions(model):  # what counting positions from 0 (as BERT does) would read
        with torch.no_grad():
            w = model.embeddings.position_embeddings.weight
            w[1:] = w[:-1].clone()

    build("xlmr-tiny", xlmr, t5_tokenizer,
          {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 512, "pad_token": "<pad>",
           "eos_token": "</s>", "unk_token": "<unk>"},
          256, args.out, texts, "bin", dense=dense, ablate=("the padding_idx+1 position offset", shift_positions))


if __name__ == "__main__":
    main()
