#!/usr/bin/env node
// Reads the stdout of `textembed bench` on stdin and prints one normalized JSON
// line {"texts","tokens","seconds","texts_per_s","tokens_per_s"} (fields it could
// not find are null). Exit status 1 when no tokens/s figure can be found.
//
// Accepted, in order of preference:
//  1. the last line that is a JSON object with "tokens_per_s" (the format
//     `textembed bench` promises: {"texts":..,"tokens":..,"seconds":..,
//     "texts_per_s":..,"tokens_per_s":..});
//  2. otherwise human-readable text such as "12345.6 tokens/s", "tokens/s: 12345",
//     "tokens_per_s=12345" (the last occurrence wins), likewise for texts/s.
'use strict';

const fs = require('fs');

function number(value) {
  const n = typeof value === 'string' ? Number(value.replace(/,/g, '')) : value;
  return Number.isFinite(n) ? n : null;
}

function fromJson(lines) {
  for (let i = lines.length - 1; i >= 0; --i) {
    const line = lines[i].trim();
    if (!line.startsWith('{')) continue;
    try {
      const record = JSON.parse(line);
      if (record && number(record.tokens_per_s) !== null) {
        return {
          texts: number(record.texts), tokens: number(record.tokens), seconds: number(record.seconds),
          texts_per_s: number(record.texts_per_s), tokens_per_s: number(record.tokens_per_s),
        };
      }
    } catch (_) { /* not JSON */ }
  }
  return null;
}

function lastMatch(text, patterns) {
  let found = null;
  for (const pattern of patterns) {
    for (const match of text.matchAll(pattern)) found = number(match[1]);
  }
  return found;
}

function fromText(text) {
  const value = String.raw`([0-9][0-9,]*(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)`;
  const rate = (unit) => [
    new RegExp(`${value}\\s*${unit}\\s*/\\s*s(?:ec)?\\b`, 'gi'),   // "123 tokens/s"
    new RegExp(`${unit}\\s*(?:/\\s*s(?:ec)?|_per_s(?:ec)?|\\s+per\\s+s(?:ec(?:ond)?)?)\\s*[:=]?\\s*${value}`, 'gi'),
  ];
  const tokensPerS = lastMatch(text, rate('tokens?'));
  if (tokensPerS === null) return null;
  return { texts: null, tokens: null, seconds: null, texts_per_s: lastMatch(text, rate('texts?')), tokens_per_s: tokensPerS };
}

const text = fs.readFileSync(0, 'utf8');
const result = fromJson(text.split('\n')) || fromText(text);
if (!result) {
  console.error('ort_parse_textembed: no tokens/s figure in the textembed output');
  process.exit(1);
}
console.log(JSON.stringify(result));
