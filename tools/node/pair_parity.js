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
//   node pair_parity.js --bin TEXTEMBED --synthetic N [--seed S]
// Prints one line per configuration; exit 1 on any mismatch.
//
// --synthetic: instead of STS-B, N random pairs per configuration of texts made
// of words of 1-3 WordPiece tokens (so pieces and tokens differ), under no /
// Bert / Roberta / a 1-token pair template post-processor, every strategy,
// both truncation directions, with and without special tokens, for every
// max_length from the post-processor's special-token count to 18. Pins the
// parts of HF's truncation that STS-B pairs rarely reach: which text gets the
// larger half, texts cut at piece boundaries before truncate_encodings,
// max_length equal to the special tokens, left truncation.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync, spawnSync } = require('child_process');
const { Tokenizer } = require('tokenizers');
const { codePointByteOffsets: byteOffsets } = require('./code_points');

function parseArgs(argv) {
  const a = { bin: null, model: null, pairs: null, limit: Infinity, maxLengths: [12, 24], special: true,
    synthetic: 0, seed: 1 };
  for (let i = 0; i < argv.length; ++i) {
    const k = argv[i];
    if (k === '--bin') a.bin = argv[++i];
    else if (k === '--model') a.model = argv[++i];
    else if (k === '--pairs') a.pairs = argv[++i];
    else if (k === '--limit') a.limit = Number(argv[++i]);
    else if (k === '--max-lengths') a.maxLengths = argv[++i].split(',').map(Number);
    else if (k === '--no-special-tokens') a.special = false;
    else if (k === '--synthetic') a.synthetic = Number(argv[++i]);
    else if (k === '--seed') a.seed = Number(argv[++i]);
    else throw new Error(`unknown argument ${k}`);
  }
  if (!a.bin) throw new Error('--bin is required');
  if (!a.synthetic && (!a.model || !a.pairs)) throw new Error('--model and --pairs are required (or --synthetic N)');
  return a;
}

const kStrategyNames = { longest_first: 'LongestFirst', only_first: 'OnlyFirst', only_second: 'OnlySecond' };

// One configuration: every pair through HF and through `textembed tokenize
// --pairs`; returns the number of mismatches (printing the first two).
async function checkConfig({ bin, label, file, json, pairs, strategy, maxLength, special, direction, quiet }) {
  const tokenizer = Tokenizer.fromString(json);
  tokenizer.disablePadding();
  if (maxLength === 0) tokenizer.disableTruncation();
  else tokenizer.setTruncation(maxLength, { strategy: kStrategyNames[strategy], direction: direction || 'right' });
  const want = [];
  for (const [x, y] of pairs) {
    try {
      const e = await tokenizer.encode(x, y, { addSpecialTokens: special });
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
  if (!special) flags.push('--no-special-tokens');
  const what = `${label} strategy=${strategy || 'none'} max_length=${maxLength}` +
    (direction ? ` direction=${direction}` : '') + (special ? '' : ' no-special-tokens');
  const out = !okPairs.length ? [] : execFileSync(bin, flags, { input: okPairs.map((p) => JSON.stringify(p)).join('\n') + '\n', maxBuffer: 1 << 28 })
    .toString('utf8').split('\n');
  let k = 0, mismatches = 0;
  for (let i = 0; i < pairs.length; ++i) {
    if (want[i].error) continue;
    const got = JSON.parse(out[k++]);
    const same = JSON.stringify(got.ids) === JSON.stringify(want[i].ids) &&
      JSON.stringify(got.type_ids) === JSON.stringify(want[i].type_ids) &&
      JSON.stringify(got.offsets) === JSON.stringify(want[i].offsets);
    if (!same && ++mismatches <= 2) {
      console.log(`MISMATCH ${what} ${JSON.stringify(pairs[i])}\n  hf:   ${JSON.stringify(want[i])}\n  ours: ${JSON.stringify({ ids: got.ids, type_ids: got.type_ids, offsets: got.offsets })}`);
    }
  }
  // HF's refusals: textembed must refuse them as well.
  const refused = pairs.filter((_, i) => want[i].error);
  let refusalMismatches = 0;
  for (const p of refused.slice(0, 3)) {
    const r = spawnSync(bin, flags, { input: JSON.stringify(p) + '\n' });
    if (r.status !== 1) {
      ++refusalMismatches;
      console.log(`MISMATCH ${what}: HF refuses ${JSON.stringify(p)}, textembed exit ${r.status}`);
    }
  }
  if (!quiet || mismatches || refusalMismatches) {
    console.log(`${what}: ${okPairs.length} pairs, ${mismatches} mismatches; ${refused.length} refused by HF` +
      (refused.length ? ` (${Math.min(3, refused.length)} checked)` : ''));
  }
  return { mismatches: mismatches + refusalMismatches, pairs: okPairs.length, refused: refused.length };
}

// ---------------------------------------------------------------- --synthetic
function makeRng(seed) {
  let x = (seed * 2654435761) >>> 0 || 1;
  return (n) => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x % n;
  };
}

async function synthetic(a) {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const vocab = { '[UNK]': 0, '[CLS]': 1, '[SEP]': 2 };
  for (const c of letters) {
    vocab[c] = Object.keys(vocab).length;
    vocab['##' + c] = Object.keys(vocab).length;
  }
  const cls = ['[CLS]', 1], sep = ['[SEP]', 2];
  const processors = {
    none: [null, 0],
    bert: [{ type: 'BertProcessing', sep, cls }, 3],
    roberta: [{ type: 'RobertaProcessing', sep, cls, trim_offsets: false, add_prefix_space: false }, 4],
    template: [{
      type: 'TemplateProcessing', single: [{ Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [1], tokens: ['[CLS]'] } },
    }, 1],
  };
  const rnd = makeRng(a.seed);
  // Words of 1-3 letters: one WordPiece token per letter (x ##y ##z).
  const text = () => Array.from({ length: rnd(13) }, () =>
    Array.from({ length: 1 + rnd(3) }, () => letters[rnd(26)]).join('')).join(' ');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pair_parity_'));
  let failures = 0, total = 0, configs = 0;
  try {
    for (const [name, [processor, added]] of Object.entries(processors)) {
      for (const direction of ['right', 'left']) {
        for (const strategy of ['longest_first', 'only_first', 'only_second']) {
          const json = JSON.stringify({
            version: '1.0', added_tokens: [], normalizer: null, pre_tokenizer: { type: 'WhitespaceSplit' },
            post_processor: processor, decoder: null,
            truncation: { direction: direction === 'left' ? 'Left' : 'Right', max_length: 512, strategy: kStrategyNames[strategy], stride: 0 },
            padding: null,
            model: { type: 'WordPiece', vocab, unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100 },
          });
          const file = path.join(dir, `${name}-${direction}-${strategy}.json`);
          fs.writeFileSync(file, json);
          for (const special of [true, false]) {
            // Below the special-token count HF's max_length arithmetic
            // underflows; textembed refuses such a max_length on purpose.
            for (let maxLength = Math.max(1, special ? added : 0); maxLength <= 18; ++maxLength) {
              const pairs = Array.from({ length: a.synthetic }, () => [text(), text()]);
              const r = await checkConfig({ bin: a.bin, label: `synthetic/${name}`, file, json, pairs, strategy, maxLength, special, direction, quiet: true });
              failures += r.mismatches;
              total += pairs.length;
              ++configs;
            }
          }
        }
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`synthetic: ${configs} configurations, ${total} pairs, ${failures} mismatches`);
  return failures;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  if (a.synthetic) process.exit((await synthetic(a)) ? 1 : 0);
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
    const r = await checkConfig({ bin: a.bin, label, file, json, pairs, strategy, maxLength, special: a.special });
    failures += r.mismatches;
  }
  process.exit(failures ? 1 : 0);
}

main().catch((e) => {
  process.stderr.write(`pair_parity: error: ${e.stack || e.message}\n`);
  process.exit(2);
});
