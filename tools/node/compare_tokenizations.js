#!/usr/bin/env node
// Compares two tokenization JSONL files (`textembed tokenize` format: one
// {"ids","tokens","offsets"} object per line) and reports how many lines agree
// exactly on ids, tokens and offsets.
//
//   node compare_tokenizations.js EXPECTED GOT [--texts INPUT.jsonl] [--label NAME]
//                                 [--max-diffs N] [--diff-log FILE]
//
// Prints "NAME: N/M identical" (plus per-field counts on mismatch) and the first
// N differing lines with the text and the tokens around the first difference.
// --diff-log appends those diffs to FILE too. Exit status: 0 if every line is
// identical and both files have the same number of lines, 1 otherwise, 2 on
// usage or unreadable files.
'use strict';

const fs = require('fs');

function parseArgs(argv) {
  const args = { expected: null, got: null, texts: null, label: null, maxDiffs: 3, diffLog: null };
  const positional = [];
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    if (arg === '--texts') args.texts = argv[++i];
    else if (arg === '--label') args.label = argv[++i];
    else if (arg === '--max-diffs') args.maxDiffs = Number(argv[++i]);
    else if (arg === '--diff-log') args.diffLog = argv[++i];
    else positional.push(arg);
  }
  if (positional.length !== 2) {
    process.stderr.write('usage: compare_tokenizations.js EXPECTED GOT [--texts F] [--label L] ' +
      '[--max-diffs N] [--diff-log FILE]\n');
    process.exit(2);
  }
  [args.expected, args.got] = positional;
  args.label = args.label || `${args.expected} vs ${args.got}`;
  return args;
}

function readLines(file) {
  const content = fs.readFileSync(file, 'utf8');
  const lines = content.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function parseOrNull(line) {
  try {
    return JSON.parse(line);
  } catch (e) {
    return null;
  }
}

function sameArray(a, b, eq) {
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; ++i) if (!eq(a[i], b[i])) return false;
  return true;
}
const eqScalar = (x, y) => x === y;
const eqPair = (x, y) => Array.isArray(x) && Array.isArray(y) && x[0] === y[0] && x[1] === y[1];

function firstDifference(e, g) {
  const n = Math.max(e.ids.length, g.ids.length);
  for (let i = 0; i < n; ++i) {
    if (e.ids[i] !== g.ids[i] || e.tokens[i] !== g.tokens[i] || !eqPair(e.offsets[i], g.offsets[i])) {
      return i;
    }
  }
  return n;
}

function describeTokens(enc, from, to) {
  const parts = [];
  for (let i = from; i < Math.min(to, enc.ids.length); ++i) {
    const off = enc.offsets[i] || [];
    parts.push(`${i}:${JSON.stringify(enc.tokens[i])}=${enc.ids[i]}@[${off[0]},${off[1]}]`);
  }
  if (to < enc.ids.length) parts.push(`... (${enc.ids.length} tokens)`);
  return parts.join(' ');
}

function textOf(textLine) {
  if (textLine === undefined) return undefined;
  const value = parseOrNull(textLine);
  if (typeof value === 'string') return value;
  if (value && typeof value.text === 'string') return value.text;
  return textLine;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  let expected, got, texts = null;
  try {
    expected = readLines(args.expected);
    got = readLines(args.got);
    if (args.texts) texts = readLines(args.texts);
  } catch (e) {
    process.stderr.write(`compare_tokenizations: ${e.message}\n`);
    process.exit(2);
  }

  const total = expected.length;
  let identical = 0, idsEqual = 0, offsetsEqual = 0, tokensEqual = 0;
  const diffs = [];
  for (let i = 0; i < total; ++i) {
    if (i < got.length && expected[i] === got[i]) {
      ++identical; ++idsEqual; ++offsetsEqual; ++tokensEqual;
      continue;
    }
    const e = parseOrNull(expected[i]);
    const g = i < got.length ? parseOrNull(got[i]) : null;
    let ids = false, offsets = false, tokens = false;
    if (e && g) {
      ids = sameArray(e.ids, g.ids, eqScalar);
      tokens = sameArray(e.tokens, g.tokens, eqScalar);
      offsets = sameArray(e.offsets, g.offsets, eqPair);
    }
    idsEqual += ids; offsetsEqual += offsets; tokensEqual += tokens;
    if (ids && tokens && offsets) { ++identical; continue; }
    if (diffs.length >= args.maxDiffs) continue;
    const lines = [`  line ${i + 1}:`];
    const text = texts ? textOf(texts[i]) : undefined;
    if (text !== undefined) {
      const shown = text.length > 300 ? text.slice(0, 300) + `... (${text.length} UTF-16 units)` : text;
      lines.push(`    text:     ${JSON.stringify(shown)}`);
    }
    if (!e || !g || !Array.isArray(e.ids) || !Array.isArray(g.ids)) {
      lines.push(`    expected: ${(expected[i] || '').slice(0, 300)}`);
      lines.push(`    got:      ${i < got.length ? got[i].slice(0, 300) : '<missing line>'}`);
    } else {
      const at = firstDifference(e, g);
      const from = Math.max(0, at - 2);
      lines.push(`    first difference at token ${at} (ids ${ids ? 'same' : 'differ'}, ` +
        `tokens ${tokens ? 'same' : 'differ'}, offsets ${offsets ? 'same' : 'differ'})`);
      lines.push(`    expected: ${describeTokens(e, from, at + 4)}`);
      lines.push(`    got:      ${describeTokens(g, from, at + 4)}`);
    }
    diffs.push(lines.join('\n'));
  }

  let summary = `${args.label}: ${identical}/${total} identical`;
  if (identical !== total) {
    summary += ` (ids ${idsEqual}, tokens ${tokensEqual}, offsets ${offsetsEqual})`;
  }
  if (got.length !== total) summary += ` [line count differs: expected ${total}, got ${got.length}]`;
  console.log(summary);
  if (diffs.length) {
    const report = diffs.join('\n') + '\n';
    process.stdout.write(report);
    if (args.diffLog) fs.appendFileSync(args.diffLog, `${summary}\n${report}`);
  }
  process.exit(identical === total && got.length === total ? 0 : 1);
}

main();
