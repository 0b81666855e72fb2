#!/usr/bin/env python3
"""Writes the small pytorch_model.bin files the engine's reader is tested on, into
tests/data/models/pytorch-bin/ (a few KB in all):

  state_dict.bin          torch.save(state_dict, path): records under "state_dict/"
  state_dict_archive.bin  the same saved to a file object: records under "archive/"
  expected.json           every floating tensor of it: shape and values as float32
                          (row-major, what the reader must return), plus the names of
                          the non-float ones (present but not served)
  legacy.bin              the pre-1.6 non-zip format (_use_new_zipfile_serialization=False)
  malicious_system.bin    a torch-style zip whose data.pkl calls os.system via REDUCE
  malicious_eval.bin      ... builtins.eval via STACK_GLOBAL (protocol 4)
  malicious_rebuild.bin   an allowed global (_rebuild_tensor_v2) given a persistent id
                          that names a storage class outside the allow-list

Usage: .venv/bin/python tools/python/make_pytorch_bin_tests.py
"""
import collections
import io
import json
import os
import pickle
import zipfile

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "models", "pytorch-bin")


def state_dict():
    g = torch.Generator().manual_seed(7)
    shared = torch.randn(24, generator=g)
    sd = collections.OrderedDict()
    sd["layer.weight"] = torch.randn(3, 4, generator=g)
    sd["layer.bias"] = torch.randn(3, generator=g)
    sd["half"] = torch.randn(2, 5, generator=g).half()
    sd["bfloat"] = torch.randn(5, 2, generator=g).bfloat16()
    sd["double"] = torch.randn(4, generator=g).double()
    sd["transposed"] = torch.randn(4, 3, generator=g).t()          # strides (1, 3)
    sd["view_a"] = shared[2:14].view(3, 4)                           # offset 2 in a shared storage
    sd["view_b"] = shared[10:22].view(2, 2, 3)                       # overlaps view_a
    sd["scalar"] = torch.tensor(3.5)
    sd["empty"] = torch.zeros(0, 4)
    sd["position_ids"] = torch.arange(6).unsqueeze(0)                # int64: present, not served
    sd["mask"] = torch.tensor([True, False])
    sd._metadata = collections.OrderedDict([("", {"version": 1}), ("layer", {"version": 1})])
    return sd


class _Call:
    """Pickles as REDUCE of an arbitrary callable (what an attacker writes)."""
    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def torch_like_zip(path, pickle_bytes):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pickle_bytes)
        z.writestr("archive/version", "3\n")
        z.writestr("archive/data/0", b"\0" * 16)


def main():
    os.makedirs(OUT, exist_ok=True)
    sd = state_dict()
    torch.save(sd, os.path.join(OUT, "state_dict.bin"))
    buffer = io.BytesIO()
    torch.save(sd, buffer)
    with open(os.path.join(OUT, "state_dict_archive.bin"), "wb") as f:
        f.write(buffer.getvalue())
    torch.save(sd, os.path.join(OUT, "legacy.bin"), _use_new_zipfile_serialization=False)

    expected = {"tensors": {}, "not_float": []}
    for name, t in sd.items():
        if t.is_floating_point():
            expected["tensors"][name] = {"shape": list(t.shape),
                                         "values": t.float().contiguous().reshape(-1).tolist()}
        else:
            expected["not_float"].append(name)
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")

    # Never loaded by this script: only written.
    torch_like_zip(os.path.join(OUT, "malicious_system.bin"),
                   pickle.dumps({"x": _Call(os.system, ("echo textembed-pwned",))}, protocol=2))
    torch_like_zip(os.path.join(OUT, "malicious_eval.bin"),
                   pickle.dumps({"x": _Call(eval, ("1+1",))}, protocol=4))

    class Evil:  # a persistent id naming a storage "class" the reader must refuse
        pass
    rebuild = torch._utils._rebuild_tensor_v2

    class _Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            if obj is Evil:
                return ("storage", os.system, "0", "cpu", 4)
            return None
    data = io.BytesIO()
    _Pickler(data, protocol=2).dump({"x": _Call(rebuild, (Evil, 0, (4,), (1,), False, collections.OrderedDict()))})
    torch_like_zip(os.path.join(OUT, "malicious_rebuild.bin"), data.getvalue())

    for name in sorted(os.listdir(OUT)):
        path = os.path.join(OUT, name)
        prefix = ""
        if zipfile.is_zipfile(path):
            prefix = " records: " + ", ".join(sorted({n.split("/")[0] for n in zipfile.ZipFile(path).namelist()}))
        print(f"{name}: {os.path.getsize(path)} bytes{prefix}")


if __name__ == "__main__":
    main()
