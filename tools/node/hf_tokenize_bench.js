#!/usr/bin/env node
// Throughput of Hugging Face `tokenizers` (npm binding, Rust core) on a corpus
// file, one text per line, for bench/tokenizer_bench.sh.
//
//   node hf_tokenize_bench.js --model PATH --corpus FILE [--repeat N] [--batch N]
//
// Encodes the whole corpus with encodeBatch (special tokens added, truncation
// and padding disabled) in batches of --batch texts (default: the whole corpus
// in one call, so the JS<->Rust crossing is paid once per batch, not per text:
// the fairest setting for HF). Threads: HF parallelizes encodeBatch with rayon;
// run with TOKENIZERS_PARALLELISM=false (and RAYON_NUM_THREADS=1) for one thread.
// Prints one JSON line: {"bytes","texts","tokens","seconds","cpu_seconds","mb_per_s",
// "tokens_per_s","cpu_mb_per_s"} with the best of --repeat runs (default 3).
// cpu_seconds (user+system of the whole process) is the fair single-thread
// measure on a shared, loaded machine, where wall time includes waiting for a core.
'use strict';

const fs = require('fs');
const path = require('path');
const { Tokenizer } = require('tokenizers');

function parseArgs(argv) {
  const args = { model: null, corpus: null, repeat: 3, batch: 0 };
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    if (arg === '--model') args.model = argv[++i];
    else if (arg === '--corpus') args.corpus = argv[++i];
    else if (arg === '--repeat') args.repeat = Number(argv[++i]);
    else if (arg === '--batch') args.batch = Number(argv[++i]);
    else throw new Error(`unknown argument ${arg}`);
  }
  if (!args.model || !args.corpus) throw new Error('--model and --corpus are required');
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  let file = args.model;
  if (fs.statSync(file).isDirectory()) file = path.join(file, 'tokenizer.json');
  const tokenizer = Tokenizer.fromFile(file);
  tokenizer.disablePadding();
  tokenizer.disableTruncation();
  const content = fs.readFileSync(args.corpus);
  const texts = content.toString('utf8').split('\n');
  if (texts[texts.length - 1] === '') texts.pop();
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0);
  const batch = args.batch > 0 ? args.batch : texts.length;

  let best = Infinity;
  let bestCpu = Infinity;
  let tokens = 0;
  for (let r = 0; r < args.repeat; ++r) {
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    let count = 0;
    for (let i = 0; i < texts.length; i += batch) {
      const encodings = await tokenizer.encodeBatch(texts.slice(i, i + batch), { addSpecialTokens: true });
      for (const e of encodings) count += e.getLength();
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const cpu = process.cpuUsage(cpuStart);
    best = Math.min(best, seconds);
    bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1e6);
    tokens = count;
  }
  console.log(JSON.stringify({
    bytes, texts: texts.length, tokens, seconds: best, cpu_seconds: bestCpu,
    mb_per_s: bytes / 1e6 / best, tokens_per_s: tokens / best, cpu_mb_per_s: bytes / 1e6 / bestCpu,
  }));
}

main().catch((e) => {
  process.stderr.write(`hf_tokenize_bench: error: ${e.message}\n`);
  process.exit(1);
});
