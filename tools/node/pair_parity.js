#!/usr/bin/env node
// Pair parity: STS-B sentence pairs encoded as pairs by HF `tokenizers`
// (encode(a, b)) and by `textembed tokenize --pairs`, with each truncation
// strategy at small max lengths and without truncation; ids, type ids and
// UTF-8 byte offsets (of each sentence) must agree. Pairs HF refuses
// (only_first / only_second when that text is too short) must be refused by
// textembed too (checked on the first few).
//
//   node pair_parity.js --bin TEXTEMBED --model PATH --pairs STSB.tsv [--limit N]
//                       [--max-lengths 12,24] [--no-special-tokens]
// Prints one line per configuration; exit 1 on any mismatch.
'use strict';

const fs = require('fs');
const path = require('path');
const { execFileSync, spawnSync } = require('child_process');
const { Tokenizer } = require('tokenizers');

function parseArgs(argv) {
  const a = { bin: null, model: null, pairs: null, limit: Infinity, maxLengths: [12, 24], special: true };
  for (let i = 0; i < argv.length; ++i) {
    const k = argv[i];
    if (k === '--bin') a.bin = argv[++i];
    else if (k === '--model') a.model = argv[++i];
    else if (k === '--pairs') a.pairs = argv[++i];
    else if (k === '--limit') a.limit = Number(argv[++i]);
    else if (k === '--max-lengths') a.maxLengths = argv[++i].split(',').map(Number);
    else if (k === '--no-special-tokens') a.special = false;
    else throw new Error(`unknown argument ${k}`);
  }
  if (!a.bin || !a.model || !a.pairs) throw new Error('--bin, --model and --pairs are required');
  return a;
}

function byteOffsets(text) {
  const offsets = [0];
  let bytes = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0);
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    offsets.push(bytes);
  }
  return offsets;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  let file = a.model;
  if (fs.statSync(file).isDirectory()) file = path.join(file, 'tokenizer.json');
  const json = fs.readFileSync(file, 'utf8');
  const pairs = [];
  for (const line of fs.readFileSync(a.pairs, 'utf8').split('\n')) {
    const cols = line.split('\t');
    if (cols.length >= 3 && pairs.length < a.limit) pairs.push([cols[1], cols[2]]);
  }
  const label = path.basename(path.dirname(file));
  const configs = [{ strategy: null, maxLength: 0 }];
  for (const strategy of ['longest_first', 'only_first', 'only_second']) {
    for (const maxLength of a.maxLengths) configs.push({ strategy, maxLength });
  }
  let failures = 0;
  for (const { strategy, maxLength } of configs) {
    const tokenizer = Tokenizer.fromString(json);
    tokenizer.disablePadding();
    if (maxLength === 0) tokenizer.disableTruncation();
    else tokenizer.setTruncation(maxLength, { strategy: { longest_first: 'LongestFirst', only_first: 'OnlyFirst', only_second: 'OnlySecond' }[strategy] });
    const want = [];
    for (const [x, y] of pairs) {
      try {
        const e = await tokenizer.encode(x, y, { addSpecialTokens: a.special });
        const seq = e.getSequenceIds();
        const bx = byteOffsets(x), by = byteOffsets(y);
        const offsets = e.getOffsets().map(([b, end], i) => {
          const table = seq[i] === 1 ? by : bx;
          return [table[b], table[end]];
        });
        want.push({ ids: e.getIds(), type_ids: e.getTypeIds(), offsets });
      } catch (err) {
        want.push({ error: String(err.message || err) });
      }
    }
    const okPairs = pairs.filter((_, i) => !want[i].error);
    const flags = ['tokenize', '--model', file, '--pairs', '--max-length', String(maxLength)];
    if (strategy) flags.push('--truncation-strategy', strategy);
    if (!a.special) flags.push('--no-special-tokens');
    const out = !okPairs.length ? [] : execFileSync(a.bin, flags, { input: okPairs.map((p) => JSON.stringify(p)).join('\n') + '\n', maxBuffer: 1 << 28 })
      .toString('utf8').split('\n');
    let k = 0, mismatches = 0;
    for (let i = 0; i < pairs.length; ++i) {
      if (want[i].error) continue;
      const got = JSON.parse(out[k++]);
      const same = JSON.stringify(got.ids) === JSON.stringify(want[i].ids) &&
        JSON.stringify(got.type_ids) === JSON.stringify(want[i].type_ids) &&
        JSON.stringify(got.offsets) === JSON.stringify(want[i].offsets);
      if (!same && ++mismatches <= 2) {
        console.log(`MISMATCH ${label} ${strategy} ${maxLength} ${JSON.stringify(pairs[i])}\n  hf:   ${JSON.stringify(want[i])}\n  ours: ${JSON.stringify({ ids: got.ids, type_ids: got.type_ids, offsets: got.offsets })}`);
      }
    }
    // HF's refusals: textembed must refuse them as well.
    const refused = pairs.filter((_, i) => want[i].error);
    let refusalMismatches = 0;
    for (const p of refused.slice(0, 3)) {
      const r = spawnSync(a.bin, flags, { input: JSON.stringify(p) + '\n' });
      if (r.status !== 1) {
        ++refusalMismatches;
        console.log(`MISMATCH ${label} ${strategy} ${maxLength}: HF refuses ${JSON.stringify(p)}, textembed exit ${r.status}`);
      }
    }
    failures += mismatches + refusalMismatches;
    console.log(`${label} strategy=${strategy || 'none'} max_length=${maxLength}: ${okPairs.length} pairs, ` +
      `${mismatches} mismatches; ${refused.length} refused by HF` + (refused.length ? ` (${Math.min(3, refused.length)} checked)` : ''));
  }
  process.exit(failures ? 1 : 0);
}

main().catch((e) => {
  process.stderr.write(`pair_parity: error: ${e.stack || e.message}\n`);
  process.exit(2);
});
