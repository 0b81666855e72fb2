#!/usr/bin/env node
// Decode parity: ids from HF's encode of real texts (special tokens included)
// plus random id sequences over the whole vocabulary (added tokens, partial
// UTF-8 byte tokens, ...) are decoded by HF and by `textembed decode`, with and
// without skip_special_tokens; every line must be identical.
//
//   node decode_parity.js --bin TEXTEMBED --model PATH --texts FILE [--limit N] [--random N] [--seed S]
// Prints one summary line; exit 1 on any mismatch (the first ones are shown).
'use strict';

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { Tokenizer } = require('tokenizers');

function parseArgs(argv) {
  const a = { bin: null, model: null, texts: [], limit: Infinity, random: 2000, seed: 1 };
  for (let i = 0; i < argv.length; ++i) {
    const k = argv[i];
    if (k === '--bin') a.bin = argv[++i];
    else if (k === '--model') a.model = argv[++i];
    else if (k === '--texts') a.texts.push(argv[++i]);
    else if (k === '--limit') a.limit = Number(argv[++i]);
    else if (k === '--random') a.random = Number(argv[++i]);
    else if (k === '--seed') a.seed = Number(argv[++i]);
    else throw new Error(`unknown argument ${k}`);
  }
  if (!a.bin || !a.model) throw new Error('--bin and --model are required');
  return a;
}

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  let file = a.model;
  if (fs.statSync(file).isDirectory()) file = path.join(file, 'tokenizer.json');
  const tokenizer = Tokenizer.fromFile(file);
  tokenizer.disableTruncation();
  tokenizer.disablePadding();
  const texts = [];
  for (const f of a.texts) {
    for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
      if (texts.length >= a.limit) break;
      if (line.length) texts.push(line);
    }
  }
  const idLines = [];
  for (let s = 0; s < texts.length; s += 1024) {
    const encs = await tokenizer.encodeBatch(texts.slice(s, s + 1024), { addSpecialTokens: true });
    for (const e of encs) idLines.push(e.getIds());
  }
  // Random sequences: any id of the vocabulary, added tokens included, and
  // ids just past it (skipped by both).
  const vocabSize = tokenizer.getVocabSize(true);
  const rand = rng(a.seed);
  for (let n = 0; n < a.random; ++n) {
    const len = 1 + Math.floor(rand() * 12);
    const ids = [];
    for (let k = 0; k < len; ++k) ids.push(Math.floor(rand() * (vocabSize + 3)));
    idLines.push(ids);
  }
  const input = idLines.map((ids) => JSON.stringify(ids)).join('\n') + '\n';
  let failures = 0;
  for (const skip of [false, true]) {
    const flag = skip ? ['--skip-special-tokens'] : [];
    const ours = execFileSync(a.bin, ['decode', '--model', a.model, ...flag], { input, maxBuffer: 1 << 30 })
      .toString('utf8').split('\n');
    const want = [];
    for (let s = 0; s < idLines.length; s += 1024) want.push(...await tokenizer.decodeBatch(idLines.slice(s, s + 1024), skip));
    for (let i = 0; i < idLines.length; ++i) {
      let got;
      try { got = JSON.parse(ours[i]); } catch (e) { got = `<unparsable: ${ours[i]}>`; }
      if (got !== want[i]) {
        if (++failures <= 5) {
          console.log(`MISMATCH skip=${skip} ids=${JSON.stringify(idLines[i])}\n  hf:   ${JSON.stringify(want[i])}\n  ours: ${JSON.stringify(got)}`);
        }
      }
    }
  }
  const label = path.basename(path.dirname(file));
  console.log(`${label}: ${idLines.length} id sequences x 2 modes, ${failures} mismatches`);
  process.exit(failures ? 1 : 0);
}

main().catch((e) => {
  process.stderr.write(`decode_parity: error: ${e.message}\n`);
  process.exit(2);
});
