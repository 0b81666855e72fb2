#!/usr/bin/env node
// Reference side of `textembed decode`: HF `tokenizers` decode with the same
// contract. Input: one JSON array of ids per line. Output: one JSON string per line.
//
//   node hf_decode.js --model PATH [--skip-special-tokens] <ids.jsonl >texts.jsonl
'use strict';

const fs = require('fs');
const path = require('path');
const readline = require('readline');
const { Tokenizer } = require('tokenizers');

function loadTokenizer(model) {
  let file = model;
  if (fs.statSync(file).isDirectory()) file = path.join(file, 'tokenizer.json');
  return Tokenizer.fromFile(file);
}

async function main() {
  const argv = process.argv.slice(2);
  let model = null;
  let skip = false;
  for (let i = 0; i < argv.length; ++i) {
    if (argv[i] === '--model') model = argv[++i];
    else if (argv[i] === '--skip-special-tokens') skip = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!model) throw new Error('--model is required');
  const tokenizer = loadTokenizer(model);
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  let batch = [];
  const flush = async () => {
    if (!batch.length) return;
    const texts = await tokenizer.decodeBatch(batch, skip);
    process.stdout.write(texts.map((t) => JSON.stringify(t)).join('\n') + '\n');
    batch = [];
  };
  for await (const line of lines) {
    batch.push(JSON.parse(line));
    if (batch.length >= 512) await flush();
  }
  await flush();
}

main().catch((e) => {
  process.stderr.write(`hf_decode: error: ${e.message}\n`);
  process.exit(1);
});
