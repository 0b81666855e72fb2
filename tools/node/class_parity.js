#!/usr/bin/env node
// Character-class parity over EVERY code point: the pre-tokenizers that decide
// with a character class (Digits, ByteLevel's \p{L}/\p{N}/\s, Whitespace's \w,
// WhitespaceSplit, Punctuation, BertPreTokenizer, UnicodeScripts, Split with
// \p{N} \d \w \s \p{L} \p{P}) are put in front of a WordLevel model that knows
// no word, so each pre-token becomes one [UNK] whose offsets show where HF cut.
// Each code point c is probed in a few contexts ("a" c "a", "1" c "1",
// " " c " ", ...) through HF tokenizers and through `textembed tokenize`;
// ids and UTF-8 byte offsets must agree. The differential fuzzer samples;
// this sweeps, so a table that lags HF's Unicode version shows up whole.
//
//   node class_parity.js --bin TEXTEMBED [--only REGEX] [--step N] [--list]
//
// --only: configurations whose name matches; --step: every Nth code point
// (default 1: all 1,112,064 scalar values). Prints one line per configuration
// with the mismatching code points (first 20 as U+XXXX ranges); exit 1 on any.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { Tokenizer } = require('tokenizers');
const { codePointByteOffsets: byteOffsets, codePointRanges } = require('./code_points');

const split = (regex) => ({ type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false });
// name: [pre_tokenizer, contexts (prefix, suffix)]
const kConfigs = {
  digits: [{ type: 'Digits', individual_digits: true }, [['a', 'a']]],
  digits_contiguous: [{ type: 'Digits', individual_digits: false }, [['1', '1']]],
  byte_level: [{ type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true },
    [['a', 'a'], ['1', '1'], [' ', ' '], ['!', '!']]],
  whitespace: [{ type: 'Whitespace' }, [['a', 'a'], ['!', '!']]],
  whitespace_split: [{ type: 'WhitespaceSplit' }, [['a', 'a']]],
  punctuation: [{ type: 'Punctuation', behavior: 'Isolated' }, [['a', 'a']]],
  bert: [{ type: 'BertPreTokenizer' }, [['a', 'a']]],
  unicode_scripts: [{ type: 'UnicodeScripts' }, [['a', 'a'], ['\u4e2d', '\u4e2d']]],
  split_N: [split('\\p{N}+'), [['a', 'a']]],
  split_d: [split('\\d+'), [['a', 'a']]],
  split_w: [split('\\w+'), [['!', '!']]],
  split_s: [split('\\s+'), [['a', 'a']]],
  split_L: [split('\\p{L}+'), [['1', '1']]],
  split_P: [split('\\p{P}+'), [['a', 'a']]],
};

function parseArgs(argv) {
  const a = { bin: null, only: null, step: 1, list: false };
  for (let i = 0; i < argv.length; ++i) {
    const k = argv[i];
    if (k === '--bin') a.bin = argv[++i];
    else if (k === '--only') a.only = new RegExp(argv[++i]);
    else if (k === '--step') a.step = Number(argv[++i]);
    else if (k === '--list') a.list = true;
    else throw new Error(`unknown argument ${k}`);
  }
  if (!a.bin && !a.list) throw new Error('--bin is required');
  return a;
}

function describe(cps) {
  const rs = codePointRanges(cps);
  const hex = (v) => 'U+' + v.toString(16).toUpperCase().padStart(4, '0');
  return rs.slice(0, 20).map(([x, y]) => (x === y ? hex(x) : `${hex(x)}..${hex(y)}`)).join(' ') +
    (rs.length > 20 ? ` ... (${rs.length} ranges)` : '');
}

async function runConfig(bin, name, preTokenizer, contexts, step, dir) {
  const json = JSON.stringify({
    version: '1.0', added_tokens: [], normalizer: null, pre_tokenizer: preTokenizer,
    post_processor: null, decoder: null, model: { type: 'WordLevel', vocab: { '[UNK]': 0 }, unk_token: '[UNK]' },
  });
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, json);
  const tokenizer = Tokenizer.fromString(json);
  const bad = new Set();
  let probes = 0;
  const chunk = 1 << 16;
  for (let start = 0; start <= 0x10ffff; start += chunk) {
    const texts = [], cps = [];
    for (let cp = start; cp < Math.min(start + chunk, 0x110000); cp += step) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      for (const [pre, post] of contexts) {
        texts.push(pre + c + post);
        cps.push(cp);
      }
    }
    if (!texts.length) continue;
    probes += texts.length;
    const encs = await tokenizer.encodeBatch(texts, { addSpecialTokens: false });
    const inFile = path.join(dir, 'in.jsonl');
    fs.writeFileSync(inFile, texts.map((t) => JSON.stringify(t)).join('\n') + '\n');
    const lines = execFileSync(bin, ['tokenize', '--model', file, '--jsonl', '--max-length', '0', '--no-special-tokens'],
      { stdio: [fs.openSync(inFile, 'r'), 'pipe', 'pipe'], maxBuffer: 1 << 30 }).toString('utf8').split('\n');
    for (let i = 0; i < texts.length; ++i) {
      const at = byteOffsets(texts[i]);
      const want = JSON.stringify(encs[i].getOffsets().map(([x, y]) => [at[x], at[y]]));
      const got = JSON.parse(lines[i]);
      if (JSON.stringify(got.offsets) !== want || got.ids.length !== encs[i].getIds().length) bad.add(cps[i]);
    }
  }
  return { probes, bad: [...bad].sort((x, y) => x - y) };
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const names = Object.keys(kConfigs).filter((n) => !a.only || a.only.test(n));
  if (a.list) {
    console.log(names.join('\n'));
    return 0;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'class_parity_'));
  let failures = 0;
  try {
    for (const name of names) {
      const [pre, contexts] = kConfigs[name];
      const r = await runConfig(a.bin, name, pre, contexts, a.step, dir);
      failures += r.bad.length;
      console.log(`${name}: ${r.probes} probes, ${r.bad.length} code points differ` + (r.bad.length ? `: ${describe(r.bad)}` : ''));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return failures ? 1 : 0;
}

main().then((rc) => process.exit(rc)).catch((e) => {
  process.stderr.write(`class_parity: error: ${e.stack || e.message}\n`);
  process.exit(2);
});
