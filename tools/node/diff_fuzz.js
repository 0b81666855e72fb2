#!/usr/bin/env node
// Differential fuzzer: random strings biased toward the risky parts of Unicode
// are tokenized by HF `tokenizers` (npm, Rust core) and by `textembed tokenize`
// for every tokenizer.json given; ids AND UTF-8 byte offsets must agree. For
// each generator class the first mismatching string is shrunk (delta
// debugging over code points) to a minimal one that still mismatches.
//
//   node diff_fuzz.js --bin TEXTEMBED [--model PATH]... [--models-from DIR]...
//                     [--variants SPEC.json --shared DIR]... [--only REGEX]
//                     [--count N] [--seed S] [--batch N] [--report FILE] [--quiet]
//
// --model: a tokenizer.json or a folder holding one (repeatable).
// --models-from DIR: every */tokenizer.json under DIR, and DIR/*.json.
// --variants: a spec {"variants": {name: {"base": "tokenizers/x", "override":
// {...}}}} (tests/unit/tokenizer/data/pipeline_cases.spec.json format; "$base",
// "$base_normalizer", "$base_post_processor" refer to the base file) whose
// tokenizers are built under a temporary folder and fuzzed as well.
// Files with identical content are fuzzed once. --count: strings per
// tokenizer (default 2000). Output: one line per (tokenizer, class) with the
// counts, then each minimal mismatch as JSON with its code points. --report
// writes the same as JSON. Exit 0 when nothing mismatched, 1 otherwise, 2 on
// usage errors.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { execFileSync } = require('child_process');
const { Tokenizer } = require('tokenizers');
const { codePointByteOffsets } = require('./code_points');
const { build: buildVariant } = require('../../tests/unit/tokenizer/data/variants.js');

// ---------------------------------------------------------------- randomness
function makeRng(seed) {
  // xorshift128+ on two 32-bit halves; deterministic for a seed.
  let a = (seed ^ 0x9e3779b9) >>> 0 || 1;
  let b = (Math.imul(seed, 0x85ebca6b) ^ 0xc2b2ae35) >>> 0 || 2;
  const next = () => {
    let t = a ^ (a << 11);
    a = b;
    b = (b ^ (b >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return b / 4294967296;
  };
  const r = {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
  };
  return r;
}

// ---------------------------------------------------------------- code point pools
const kRanges = {
  // Assigned after Unicode 8.0 (9.0 .. 15.0): punctuation, marks, format
  // controls and letters of new scripts and blocks.
  recent: [
    [0x061d, 0x061d], [0x0870, 0x089f], [0x08b5, 0x08b5], [0x08b6, 0x08bd], [0x08be, 0x08c7],
    [0x08c8, 0x08d3], [0x0860, 0x086a], [0x0560, 0x0560], [0x0588, 0x0588], [0x05ef, 0x05ef],
    [0x07fd, 0x07ff], [0x09fc, 0x09fe], [0x0a76, 0x0a76], [0x0af9, 0x0aff], [0x0b55, 0x0b55],
    [0x0c00, 0x0c00], [0x0c04, 0x0c04], [0x0c3c, 0x0c3c], [0x0c5d, 0x0c5d], [0x0c77, 0x0c77],
    [0x0cdd, 0x0cdd], [0x0cf3, 0x0cf3], [0x0d00, 0x0d04], [0x0d81, 0x0d81], [0x0e86, 0x0e8c],
    [0x0ece, 0x0ece], [0x1715, 0x171f], [0x180f, 0x180f], [0x1ab0, 0x1ace], [0x1b4c, 0x1b4c],
    [0x1b7d, 0x1b7e], [0x1c80, 0x1c88], [0x1c90, 0x1cbf], [0x1cf7, 0x1cfa], [0x1df6, 0x1dff],
    [0x20be, 0x20c0], [0x2bb8, 0x2bff], [0x2c2f, 0x2c2f], [0x2c5f, 0x2c5f], [0x2e43, 0x2e5d],
    [0x31bb, 0x31bf], [0x9fd6, 0x9fff], [0xa7ae, 0xa7d9], [0xa8fd, 0xa8ff], [0xfdcf, 0xfdcf],
    [0xfdfe, 0xfdff], [0x10570, 0x105bc], [0x10780, 0x107ba], [0x10d00, 0x10d39],
    [0x10efd, 0x10eff], [0x11070, 0x11075], [0x11400, 0x11461], [0x11660, 0x1166c],
    [0x11a00, 0x11aa2], [0x11b00, 0x11b09], [0x11c00, 0x11c6c], [0x11d00, 0x11d59],
    [0x11f00, 0x11f59], [0x13430, 0x13455], [0x16e40, 0x16e9a], [0x1b170, 0x1b1ff],
    [0x1cf00, 0x1cf46], [0x1df00, 0x1df2a], [0x1e000, 0x1e02a], [0x1e030, 0x1e08f],
    [0x1e100, 0x1e14f], [0x1e290, 0x1e2ae], [0x1e2c0, 0x1e2ff], [0x1e4d0, 0x1e4f9],
    [0x1e7e0, 0x1e7fe], [0x1e900, 0x1e95f], [0x1ec71, 0x1ecb4], [0x1f90c, 0x1f9ff],
    [0x1fa70, 0x1faf8], [0x2ceb0, 0x2cebf], [0x30000, 0x3001f], [0x31350, 0x3135f],
  ],
  combining: [[0x0300, 0x036f], [0x0483, 0x0489], [0x0591, 0x05bd], [0x0610, 0x061a],
    [0x064b, 0x065f], [0x0670, 0x0670], [0x06d6, 0x06dc], [0x0900, 0x0903], [0x093a, 0x094f],
    [0x0e31, 0x0e31], [0x0e34, 0x0e3a], [0x0e47, 0x0e4e], [0x1ab0, 0x1abe], [0x1dc0, 0x1dff],
    [0x20d0, 0x20f0], [0x302a, 0x302f], [0x3099, 0x309a], [0xfe20, 0xfe2f], [0x1d165, 0x1d169]],
  hangulSyllable: [[0xac00, 0xd7a3]],
  jamo: [[0x1100, 0x11ff], [0x3131, 0x318e], [0xa960, 0xa97c], [0xd7b0, 0xd7fb]],
  precomposed: [[0x00c0, 0x00ff], [0x0100, 0x017f], [0x01cd, 0x01dc], [0x0386, 0x03ce],
    [0x0400, 0x045f], [0x1e00, 0x1eff], [0x1f00, 0x1ffe], [0x0929, 0x0929], [0x0958, 0x095f],
    [0x304c, 0x3062], [0x30ac, 0x30c2], [0xfb1d, 0xfb4e]],
  compatibility: [[0x00a8, 0x00b4], [0x00b8, 0x00be], [0x0132, 0x0133], [0x013f, 0x0140],
    [0x01c4, 0x01cc], [0x02b0, 0x02b8], [0x1d2c, 0x1d6a], [0x2024, 0x2026], [0x2033, 0x2037],
    [0x203c, 0x203c], [0x2047, 0x2049], [0x2057, 0x2057], [0x2070, 0x209c], [0x20a8, 0x20a8],
    [0x2100, 0x2109], [0x2116, 0x2116], [0x2120, 0x2122], [0x2150, 0x218b], [0x2460, 0x24ff],
    [0x2a0c, 0x2a0c], [0x2f00, 0x2fd5], [0x3200, 0x33ff], [0xfb00, 0xfb06], [0xfdf0, 0xfdfd],
    [0xfe10, 0xfe19], [0xfe30, 0xfe6b], [0xff01, 0xffee], [0x1d400, 0x1d7ff], [0x1f100, 0x1f10a],
    [0x1f110, 0x1f14f]],
  controls: [[0x0000, 0x0008], [0x000b, 0x000c], [0x000e, 0x001f], [0x007f, 0x009f],
    [0x00ad, 0x00ad], [0x061c, 0x061c], [0x180e, 0x180e], [0x200b, 0x200f], [0x202a, 0x202e],
    [0x2060, 0x2064], [0x2066, 0x206f], [0xfeff, 0xfeff], [0xfff9, 0xfffb], [0xfffd, 0xfffd],
    [0x110bd, 0x110bd], [0x1bca0, 0x1bca3], [0x1d173, 0x1d17a], [0xe0001, 0xe0001],
    [0xe0020, 0xe007f], [0xe000, 0xe00f], [0xf0000, 0xf0005]],
  whitespace: [[0x0009, 0x000d], [0x0020, 0x0020], [0x0085, 0x0085], [0x00a0, 0x00a0],
    [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f],
    [0x3000, 0x3000], [0x180e, 0x180e], [0x200b, 0x200b], [0xfeff, 0xfeff]],
  arabic: [[0x0600, 0x06ff], [0x0750, 0x077f], [0xfb50, 0xfdff], [0xfe70, 0xfefc]],
  cjk: [[0x3040, 0x30ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xf900, 0xfaff],
    [0x20000, 0x2a6df], [0x2a700, 0x2ebe0], [0x3000, 0x303f], [0xff00, 0xffef]],
  scripts: [[0x0041, 0x007a], [0x0030, 0x0039], [0x0370, 0x03ff], [0x0400, 0x04ff],
    [0x0530, 0x058f], [0x0590, 0x05ff], [0x0900, 0x097f], [0x0980, 0x09ff], [0x0b80, 0x0bff],
    [0x0e00, 0x0e7f], [0x0f00, 0x0fff], [0x10a0, 0x10ff], [0x1200, 0x137f], [0x1780, 0x17ff],
    [0x1f300, 0x1f64f], [0x1f900, 0x1f9ff], [0x2600, 0x27bf], [0x1f1e6, 0x1f1ff]],
};

function pickFromRanges(rng, ranges) {
  const [lo, hi] = rng.pick(ranges);
  return lo + rng.int(hi - lo + 1);
}

// Pools of every scalar value in a general category (Node's ICU tables).
const kCategoryPools = (() => {
  const tests = {
    P: /\p{P}/u, S: /\p{S}/u, Z: /\p{Z}/u, Cf: /\p{Cf}/u, Cc: /\p{Cc}/u, M: /\p{M}/u,
    N: /\p{N}/u, Cn: /\p{Cn}/u, Lo: /\p{Lo}/u, Lm: /\p{Lm}/u, Co: /\p{Co}/u,
  };
  const pools = {};
  for (const k of Object.keys(tests)) pools[k] = [];
  for (let cp = 0; cp <= 0x10ffff; ++cp) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    if (cp >= 0xf0000 && cp % 64 !== 0) continue;  // keep the private planes small
    const s = String.fromCodePoint(cp);
    for (const k in tests) if (tests[k].test(s)) pools[k].push(cp);
  }
  return pools;
})();

const kWords = ['the', 'an', 'anan', 'banana', 'Hello', 'world', 'café', 'naïve', 'don\'t',
  'it\'s', 'A1', '42', '3.14', 'e-mail', 'foo_bar', 'x', 'I', 'über', 'Straße', 'İstanbul',
  'ǅemal', 'ﬁne', 'ＡＢＣ', '½', '²', 'Ⅻ', 'ﬀ', 'résumé', 'Ωmega'];

function asciiFiller(rng) {
  const r = rng.int(6);
  if (r === 0) return ' ';
  if (r === 1) return rng.pick(kWords);
  if (r === 2) return ' ' + rng.pick(kWords) + ' ';
  if (r === 3) return rng.pick(['.', ',', '!', '?', '-', '\'', '"', '(', ')', ':', ';', '#', '@']);
  if (r === 4) return String(rng.int(1000));
  return '';
}

function cps(list) { return String.fromCodePoint(...list); }

// Generator classes: each builds one fragment; a string is 1..6 fragments of
// its class with ASCII filler between them.
function makeClasses(addedTokens) {
  const latinBases = [0x61, 0x65, 0x69, 0x6f, 0x75, 0x41, 0x45, 0x6e, 0x63, 0x3b1, 0x438, 0x5d0, 0x627];
  return {
    recent: (rng) => cps([pickFromRanges(rng, kRanges.recent)]),
    category_punct_symbol: (rng) =>
      cps([rng.pick(rng.chance(0.6) ? kCategoryPools.P : kCategoryPools.S)]),
    combining: (rng) => {
      const out = [rng.chance(0.7) ? rng.pick(latinBases) : pickFromRanges(rng, kRanges.precomposed)];
      const n = 1 + rng.int(4);
      for (let k = 0; k < n; ++k) {
        out.push(rng.chance(0.5) ? 0x300 + rng.int(0x70) : pickFromRanges(rng, kRanges.combining));
      }
      return cps(out);
    },
    hangul: (rng) => {
      const out = [];
      const n = 1 + rng.int(5);
      for (let k = 0; k < n; ++k) {
        out.push(rng.chance(0.75) ? pickFromRanges(rng, kRanges.hangulSyllable)
          : pickFromRanges(rng, kRanges.jamo));
        if (rng.chance(0.1)) out.push(0x300 + rng.int(0x70));
      }
      return cps(out);
    },
    decomposable: (rng) => cps([pickFromRanges(rng, kRanges.precomposed)]),
    compatibility: (rng) => cps([pickFromRanges(rng, kRanges.compatibility)]),
    controls: (rng) => cps([rng.chance(0.8) ? pickFromRanges(rng, kRanges.controls)
      : rng.pick(rng.chance(0.5) ? kCategoryPools.Cf : kCategoryPools.Cc)]),
    repeats: (rng) => {
      const unit = rng.pick(['-', 'an', 'a', 'ab', '.', '=', '▁', ' ', '–', '—', 'na', 'aa', '!?',
        'ー', 'ab-', '0', '00', 'é', '\u0301', '\t', 'ಠ', '人', '😀']);
      return unit.repeat(2 + rng.int(rng.chance(0.2) ? 200 : 24));
    },
    mixed_scripts: (rng) => {
      const out = [];
      const n = 2 + rng.int(6);
      for (let k = 0; k < n; ++k) {
        const which = rng.int(5);
        if (which === 0) out.push(pickFromRanges(rng, kRanges.arabic));
        else if (which === 1) out.push(pickFromRanges(rng, kRanges.cjk));
        else if (which === 2) out.push(pickFromRanges(rng, kRanges.scripts));
        else if (which === 3) out.push(pickFromRanges(rng, kRanges.combining));
        else out.push(rng.chance(0.3) ? 0 : pickFromRanges(rng, kRanges.controls));
      }
      return cps(out);
    },
    whitespace: (rng) => {
      const out = [];
      const n = 1 + rng.int(4);
      for (let k = 0; k < n; ++k) out.push(pickFromRanges(rng, kRanges.whitespace));
      return cps(out);
    },
    unassigned_private: (rng) =>
      cps([rng.pick(rng.chance(0.7) ? kCategoryPools.Cn : kCategoryPools.Co)]),
    any_scalar: (rng) => {
      let cp;
      do { cp = rng.chance(0.7) ? rng.int(0x30000) : rng.int(0x110000); } while (cp >= 0xd800 && cp <= 0xdfff);
      return cps([cp]);
    },
    added_tokens: (rng) => {
      if (!addedTokens.length) return rng.pick(kWords);
      const t = rng.pick(addedTokens);
      const ws = ['', ' ', '  ', '\t', '\n', '\u00a0', '\u3000'];
      return rng.pick(ws) + (rng.chance(0.2) ? t.toLowerCase() : t) + rng.pick(ws);
    },
  };
}

function generate(rng, fragment) {
  const n = 1 + rng.int(6);
  let s = rng.chance(0.3) ? asciiFiller(rng) : '';
  for (let k = 0; k < n; ++k) {
    s += fragment(rng);
    if (rng.chance(0.6)) s += asciiFiller(rng);
  }
  return s;
}

// ---------------------------------------------------------------- the two sides
async function hfEncode(tokenizer, texts) {
  const out = [];
  for (let s = 0; s < texts.length; s += 1024) {
    const chunk = texts.slice(s, s + 1024);
    const encs = await tokenizer.encodeBatch(chunk, { addSpecialTokens: true });
    encs.forEach((e, i) => {
      const byteOffsets = codePointByteOffsets(chunk[i]);
      out.push({ ids: e.getIds(), offsets: e.getOffsets().map(([b, end]) => [byteOffsets[b], byteOffsets[end]]) });
    });
  }
  return out;
}

function oursEncode(bin, model, texts, workDir) {
  const input = texts.map((t) => JSON.stringify(t)).join('\n') + '\n';
  const inFile = path.join(workDir, 'in.jsonl');
  fs.writeFileSync(inFile, input);
  const stdout = execFileSync(bin, ['tokenize', '--model', model, '--jsonl', '--max-length', '0'],
    { stdio: [fs.openSync(inFile, 'r'), 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  const lines = stdout.toString('utf8').split('\n');
  return texts.map((_, i) => JSON.parse(lines[i]));
}

function same(a, b) {
  if (a.ids.length !== b.ids.length) return false;
  for (let i = 0; i < a.ids.length; ++i) {
    if (a.ids[i] !== b.ids[i]) return false;
    if (a.offsets[i][0] !== b.offsets[i][0] || a.offsets[i][1] !== b.offsets[i][1]) return false;
  }
  return true;
}

function kindOf(hf, ours) {
  if (hf.ids.length !== ours.ids.length || hf.ids.some((id, i) => id !== ours.ids[i])) return 'ids';
  return 'offsets';
}

// Index of the first text on which the two sides differ, or -1.
async function firstMismatch(ctx, texts) {
  if (!texts.length) return -1;
  const hf = await hfEncode(ctx.tokenizer, texts);
  const ours = oursEncode(ctx.bin, ctx.model, texts, ctx.workDir);
  for (let i = 0; i < texts.length; ++i) if (!same(hf[i], ours[i])) return i;
  return -1;
}

// Delta debugging over code points: drop windows of shrinking size while the
// mismatch persists, then try simplifying each char to 'a' or ' '.
async function shrink(ctx, text) {
  let chars = [...text];
  for (let size = Math.max(1, chars.length >> 1); size >= 1; size >>= 1) {
    for (let progress = true; progress;) {
      progress = false;
      const candidates = [];
      for (let at = 0; at < chars.length; at += size) {
        const c = chars.slice(0, at).concat(chars.slice(at + size));
        if (c.length) candidates.push(c);
      }
      const i = await firstMismatch(ctx, candidates.map((c) => c.join('')));
      if (i >= 0) {
        chars = candidates[i];
        progress = chars.length > 1;
      }
    }
  }
  for (let at = 0; at < chars.length; ++at) {
    if (chars[at] === 'a' || chars[at] === ' ') continue;
    const candidates = ['a', ' '].map((r) => chars.slice(0, at).concat([r], chars.slice(at + 1)));
    const i = await firstMismatch(ctx, candidates.map((c) => c.join('')));
    if (i >= 0) chars = candidates[i];
  }
  return chars.join('');
}

function describe(text) {
  return [...text].map((c) => 'U+' + c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')).join(' ');
}

// ---------------------------------------------------------------- main
function parseArgs(argv) {
  const a = { bin: null, models: [], count: 2000, seed: 1, batch: 4000, report: null, quiet: false, modelsFrom: [],
    variants: [], shared: null, only: null };
  for (let i = 0; i < argv.length; ++i) {
    const k = argv[i];
    if (k === '--bin') a.bin = argv[++i];
    else if (k === '--model') a.models.push(argv[++i]);
    else if (k === '--models-from') a.modelsFrom.push(argv[++i]);
    else if (k === '--count') a.count = Number(argv[++i]);
    else if (k === '--seed') a.seed = Number(argv[++i]);
    else if (k === '--batch') a.batch = Number(argv[++i]);
    else if (k === '--report') a.report = argv[++i];
    else if (k === '--quiet') a.quiet = true;
    else if (k === '--variants') a.variants.push(argv[++i]);
    else if (k === '--shared') a.shared = argv[++i];
    else if (k === '--only') a.only = new RegExp(argv[++i]);
    else { process.stderr.write(`diff_fuzz: unknown argument ${k}\n`); process.exit(2); }
  }
  for (const dir of a.modelsFrom) {
    for (const entry of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, entry);
      if (fs.statSync(p).isDirectory() && fs.existsSync(path.join(p, 'tokenizer.json'))) a.models.push(p);
      else if (entry.endsWith('.json')) a.models.push(p);
    }
  }
  if (!a.bin || (!a.models.length && !a.variants.length) || (a.variants.length && !a.shared)) {
    process.stderr.write('usage: diff_fuzz.js --bin TEXTEMBED (--model PATH | --models-from DIR)... [--count N] [--seed S]\n');
    process.exit(2);
  }
  return a;
}

async function fuzzModel(args, model, workDir) {
  let file = model;
  if (fs.statSync(file).isDirectory()) file = path.join(file, 'tokenizer.json');
  const json = fs.readFileSync(file, 'utf8');
  const tokenizer = Tokenizer.fromString(json);
  tokenizer.disableTruncation();
  tokenizer.disablePadding();
  const added = (JSON.parse(json).added_tokens || []).map((t) => t.content).filter((t) => t.length);
  const classes = makeClasses(added);
  const names = Object.keys(classes);
  const ctx = { tokenizer, bin: args.bin, model: file, workDir };
  const stats = {};
  for (const n of names) stats[n] = { strings: 0, mismatches: 0, ids: 0, offsets: 0, first: null };
  const rng = makeRng(args.seed);
  for (let done = 0; done < args.count;) {
    const n = Math.min(args.batch, args.count - done);
    const texts = [], labels = [];
    for (let k = 0; k < n; ++k) {
      const cls = names[(done + k) % names.length];
      labels.push(cls);
      texts.push(generate(rng, classes[cls]));
    }
    const hf = await hfEncode(tokenizer, texts);
    const ours = oursEncode(args.bin, file, texts, workDir);
    for (let k = 0; k < n; ++k) {
      const st = stats[labels[k]];
      ++st.strings;
      if (same(hf[k], ours[k])) continue;
      ++st.mismatches;
      ++st[kindOf(hf[k], ours[k])];
      if (!st.first) st.first = { text: texts[k] };
    }
    done += n;
  }
  for (const n of names) {
    const st = stats[n];
    if (!st.first) continue;
    const minimal = await shrink(ctx, st.first.text);
    const [h] = await hfEncode(tokenizer, [minimal]);
    const [o] = oursEncode(args.bin, file, [minimal], workDir);
    st.first = { text: st.first.text, minimal, code_points: describe(minimal), kind: kindOf(h, o), hf: h, ours: o };
  }
  return stats;
}

// Writes the tokenizer.json of every variant of `specFile` into `dir`.
function buildVariants(specFile, shared, dir) {
  const spec = JSON.parse(fs.readFileSync(specFile, 'utf8'));
  const files = [];
  for (const [name, variant] of Object.entries(spec.variants)) {
    const out = buildVariant(shared, variant);
    fs.mkdirSync(path.join(dir, name), { recursive: true });
    fs.writeFileSync(path.join(dir, name, 'tokenizer.json'), JSON.stringify(out));
    files.push(path.join(dir, name));
  }
  return files;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'diff_fuzz.'));
  for (const spec of args.variants) args.models.push(...buildVariants(spec, args.shared, path.join(workDir, 'variants')));
  if (args.only) args.models = args.models.filter((m) => args.only.test(m));
  const seen = new Map();
  const report = { seed: args.seed, count_per_tokenizer: args.count, tokenizers: {} };
  let totalStrings = 0, totalMismatches = 0;
  try {
    for (const model of args.models) {
      let file = model;
      if (fs.statSync(file).isDirectory()) file = path.join(file, 'tokenizer.json');
      const hash = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
      const label = path.basename(file) === 'tokenizer.json' ? path.basename(path.dirname(file)) : path.basename(file, '.json');
      if (seen.has(hash)) {
        if (!args.quiet) console.log(`${label}: same file as ${seen.get(hash)}, skipped`);
        report.tokenizers[label] = { same_as: seen.get(hash) };
        continue;
      }
      seen.set(hash, label);
      const t0 = Date.now();
      const stats = await fuzzModel(args, model, workDir);
      report.tokenizers[label] = stats;
      let strings = 0, mismatches = 0;
      for (const [cls, st] of Object.entries(stats)) {
        strings += st.strings;
        mismatches += st.mismatches;
        if (!args.quiet || st.mismatches) {
          console.log(`${label} ${cls}: ${st.strings} strings, ${st.mismatches} mismatches` +
            (st.mismatches ? ` (ids ${st.ids}, offsets ${st.offsets})` : ''));
        }
        if (st.first) console.log(`  minimal: ${JSON.stringify(st.first.minimal)} [${st.first.code_points}] ${st.first.kind}\n    hf:   ${JSON.stringify(st.first.hf)}\n    ours: ${JSON.stringify(st.first.ours)}`);
      }
      console.log(`${label}: ${strings} strings, ${mismatches} mismatches, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      totalStrings += strings;
      totalMismatches += mismatches;
    }
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
  report.total_strings = totalStrings;
  report.total_mismatches = totalMismatches;
  if (args.report) fs.writeFileSync(args.report, JSON.stringify(report, null, 1) + '\n');
  console.log(`diff_fuzz: ${totalStrings} strings, ${totalMismatches} mismatches (seed ${args.seed})`);
  process.exit(totalMismatches ? 1 : 0);
}

main().catch((e) => {
  process.stderr.write(`diff_fuzz: error: ${e.stack || e.message}\n`);
  process.exit(2);
});
