#!/usr/bin/env node
// Reference side of the tokenizer parity test: Hugging Face `tokenizers` (the
// official Rust library through its npm binding) run with the same contract as
// `textembed tokenize`, so the two outputs can be compared line by line.
//
//   node hf_tokenize.js --model PATH [--max-length N] [--no-special-tokens] [--jsonl] <in >out
//
// PATH: a tokenizer.json or a folder holding one. --max-length 0 disables
// truncation; without it tokenizer.json's truncation applies. Padding is always
// off (textembed tokenize never pads). Input: one text per line ("\n" only is
// stripped); with --jsonl each line is a JSON string or an object with "text".
// Output: {"ids":[...],"tokens":[...],"offsets":[[b,e],...]} per line, offsets
// converted from HF's code point indices to UTF-8 byte offsets of the text.
// Without --jsonl a line may hold invalid UTF-8: it is decoded the way
// textembed does (each maximal invalid subpart -> U+FFFD, Unicode 15 §3.9 /
// WHATWG), HF tokenizes the decoded string, and offsets are mapped back to the
// bytes of the original line, so invalid input is comparable too.
'use strict';

const fs = require('fs');
const path = require('path');
const { Tokenizer } = require('tokenizers');
const { codePointByteOffsets } = require('./code_points');

function usage(message) {
  process.stderr.write(`hf_tokenize: ${message}\n` +
    'usage: hf_tokenize.js --model PATH [--max-length N] [--no-special-tokens] [--jsonl]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const args = { model: null, maxLength: null, specialTokens: true, jsonl: false };
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    if (arg === '--model') args.model = argv[++i];
    else if (arg === '--max-length') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 0) usage('--max-length needs an integer >= 0');
      args.maxLength = value;
    } else if (arg === '--no-special-tokens') args.specialTokens = false;
    else if (arg === '--jsonl') args.jsonl = true;
    else usage(`unknown argument ${arg}`);
  }
  if (!args.model) usage('--model is required');
  return args;
}

function loadTokenizer(args) {
  let file = args.model;
  if (fs.statSync(file).isDirectory()) file = path.join(file, 'tokenizer.json');
  const tokenizer = Tokenizer.fromFile(file);
  tokenizer.disablePadding();
  if (args.maxLength === 0) tokenizer.disableTruncation();
  else if (args.maxLength !== null) tokenizer.setTruncation(args.maxLength);
  return tokenizer;
}

// Decodes UTF-8 bytes, replacing each maximal invalid subpart with U+FFFD.
// Returns the string and byteOffsets[k] = start byte of code point k (plus the end).
function decodeLossy(bytes) {
  const cps = [];
  const byteOffsets = [];
  let i = 0;
  while (i < bytes.length) {
    const b0 = bytes[i];
    byteOffsets.push(i);
    if (b0 < 0x80) { cps.push(b0); ++i; continue; }
    let length = 0, lo = 0x80, hi = 0xbf, cp = 0;
    if (b0 >= 0xc2 && b0 <= 0xdf) { length = 2; cp = b0 & 0x1f; }
    else if (b0 >= 0xe0 && b0 <= 0xef) {
      length = 3; cp = b0 & 0x0f;
      if (b0 === 0xe0) lo = 0xa0; else if (b0 === 0xed) hi = 0x9f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      length = 4; cp = b0 & 0x07;
      if (b0 === 0xf0) lo = 0x90; else if (b0 === 0xf4) hi = 0x8f;
    }
    if (length === 0) { cps.push(0xfffd); ++i; continue; }
    let k = 1;
    for (; k < length && i + k < bytes.length; ++k) {
      const b = bytes[i + k];
      const [min, max] = k === 1 ? [lo, hi] : [0x80, 0xbf];
      if (b < min || b > max) break;
      cp = (cp << 6) | (b & 0x3f);
    }
    cps.push(k === length ? cp : 0xfffd);
    i += k;
  }
  byteOffsets.push(bytes.length);
  let text = '';
  for (let s = 0; s < cps.length; s += 8192) text += String.fromCodePoint(...cps.slice(s, s + 8192));
  return { text, byteOffsets };
}

function textOfLine(line, args, lineNumber) {
  if (!args.jsonl) return decodeLossy(line);
  line = line.toString('utf8');
  let value;
  try {
    value = JSON.parse(line);
  } catch (e) {
    throw new Error(`line ${lineNumber}: invalid JSON: ${e.message}`);
  }
  if (typeof value === 'string') return { text: value, byteOffsets: null };
  if (value && typeof value === 'object' && typeof value.text === 'string') {
    return { text: value.text, byteOffsets: null };
  }
  throw new Error(`line ${lineNumber}: expected a JSON string or an object with "text"`);
}

function formatEncoding(input, encoding) {
  const byteOffsets = input.byteOffsets || codePointByteOffsets(input.text);
  const offsets = encoding.getOffsets().map(([b, e]) => [byteOffsets[b], byteOffsets[e]]);
  return JSON.stringify({ ids: encoding.getIds(), tokens: encoding.getTokens(), offsets }) + '\n';
}

// Splits a byte stream on "\n" only (readline would also split on a lone "\r").
async function* readLines(stream) {
  let pending = [];
  for await (const chunk of stream) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      pending.push(chunk.subarray(start, nl));
      yield Buffer.concat(pending);
      pending = [];
      start = nl + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length) yield Buffer.concat(pending);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const tokenizer = loadTokenizer(args);
  const options = { addSpecialTokens: args.specialTokens };
  const kBatch = 256;
  let batch = [];
  let lineNumber = 0;
  const flush = async () => {
    if (!batch.length) return;
    const encodings = await tokenizer.encodeBatch(batch.map((input) => input.text), options);
    let out = '';
    for (let i = 0; i < batch.length; ++i) out += formatEncoding(batch[i], encodings[i]);
    if (!process.stdout.write(out)) await new Promise((r) => process.stdout.once('drain', r));
    batch = [];
  };
  for await (const line of readLines(process.stdin)) {
    batch.push(textOfLine(line, args, ++lineNumber));
    if (batch.length >= kBatch) await flush();
  }
  await flush();
}

main().catch((e) => {
  process.stderr.write(`hf_tokenize: error: ${e.message}\n`);
  process.exit(1);
});
