#!/usr/bin/env python3
"""Exports a sentence-transformers folder's transformer to ONNX for ONNX Runtime.

  export_onnx.py MODEL_DIR OUT.onnx [--optimize]

The graph is the Hugging Face model (AutoModel on the same weights) with inputs
input_ids / attention_mask (/ token_type_ids where the model has them) and
output last_hidden_state, dynamic batch and sequence axes, fp32, exported by
torch.onnx. Pooling and normalization stay outside (the benchmark does them in
numpy, as an ONNX user would). --optimize also runs ONNX Runtime's transformer
optimizer (onnxruntime.transformers.optimizer: attention / LayerNorm / GELU
fusions), ORT's recommended CPU setup for BERT-like encoders; the plain export
is kept when the optimizer does not know the architecture.
"""
import argparse
import os
import sys

import torch
from transformers import AutoConfig, AutoModel


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir")
    parser.add_argument("out")
    parser.add_argument("--optimize", action="store_true")
    args = parser.parse_args()

    config = AutoConfig.from_pretrained(args.model_dir)
    model = AutoModel.from_pretrained(args.model_dir, attn_implementation="eager").eval()
    names = ["input_ids", "attention_mask"]
    if getattr(config, "type_vocab_size", 0) and config.model_type != "mpnet":
        names.append("token_type_ids")
    class Encoder(torch.nn.Module):  # positional inputs, one output: what the exporter traces best
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, *inputs):
            return self.inner(**dict(zip(names, inputs)), return_dict=True).last_hidden_state

    example = tuple(torch.ones(2, 16, dtype=torch.long) for _ in names)
    tmp = args.out + ".tmp"
    with torch.no_grad():
        torch.onnx.export(
            Encoder(model), example, tmp, input_names=names, output_names=["last_hidden_state"],
            dynamic_axes={**{n: {0: "batch", 1: "sequence"} for n in names},
                          "last_hidden_state": {0: "batch", 1: "sequence"}},
            opset_version=17, dynamo=False)
    if args.optimize:
        try:
            from onnxruntime.transformers.optimizer import optimize_model
            model_type = {"mpnet": "bert", "xlm-roberta": "bert"}.get(config.model_type, config.model_type)
            opt = optimize_model(tmp, model_type=model_type, num_heads=config.num_attention_heads,
                                 hidden_size=config.hidden_size, opt_level=1)
            opt.save_model_to_file(tmp + ".opt")
            os.replace(tmp + ".opt", tmp)
            print(f"export_onnx: ORT transformer optimizer applied ({opt.get_fused_operator_statistics()})", file=sys.stderr)
        except Exception as error:  # keep the plain graph, say why
            print(f"export_onnx: ORT optimizer not applied: {error}", file=sys.stderr)
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
