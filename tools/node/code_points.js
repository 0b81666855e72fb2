'use strict';
// Code point helpers shared by the tokenizer parity tools and the table
// generators: HF's JS binding reports offsets in code points (UTF-16 would
// split astral characters), textembed in UTF-8 bytes.

// offsets[k] = UTF-8 byte offset of code point k of `text` (and of the end, k = n).
function codePointByteOffsets(text) {
  const offsets = [0];
  let bytes = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0);
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    offsets.push(bytes);
  }
  return offsets;
}

// Sorted code points → inclusive [first, last] runs.
function codePointRanges(sorted) {
  const out = [];
  for (const cp of sorted) {
    const last = out[out.length - 1];
    if (last && last[1] + 1 === cp) last[1] = cp;
    else out.push([cp, cp]);
  }
  return out;
}

// 0x0041-style hex, at least 4 digits (as the generated C++ tables write them).
const hex = (v) => '0x' + v.toString(16).toUpperCase().padStart(4, '0');

module.exports = { codePointByteOffsets, codePointRanges, hex };
