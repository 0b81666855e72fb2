#!/usr/bin/env node
// ONNX Runtime side of bench/ort_compare.sh: embeds a fixed set of texts with
// onnxruntime-node (fp32, CPU, its best session options) and prints one JSON
// line of throughput. Texts are tokenized with the official HF tokenizers
// binding (truncation, no padding); ORT then runs padded batches sorted by
// length, which is ORT's best practice for variable-length input.
//
// usage: node ort_bench.js --tokenizer tokenizer.json --input corpus.txt --limit N
//          [--min-tokens K] [--max-length 256] [--write-texts OUT.txt] [--select-only]
//          [--onnx model.onnx --threads N --batch 32 --passes 1]
//
// Output (stdout, one line):
//   {"engine":"onnxruntime","threads":N,"texts":..,"tokens":..,"seconds":..,
//    "texts_per_s":..,"tokens_per_s":..,"tokenize_tokens_per_s":..,"peak_rss_mb":..,...}
// "seconds" covers the forward passes plus mean pooling and L2 normalization on
// already-tokenized ids (best of --passes); tokenization is timed separately.
'use strict';

const fs = require('fs');

function parseArgs(argv) {
  const args = { maxLength: 256, batch: 32, threads: 1, passes: 1, minTokens: 0, limit: 0 };
  const names = {
    '--onnx': 'onnx', '--tokenizer': 'tokenizer', '--input': 'input', '--limit': 'limit',
    '--min-tokens': 'minTokens', '--max-length': 'maxLength', '--write-texts': 'writeTexts',
    '--threads': 'threads', '--batch': 'batch', '--passes': 'passes',
  };
  const numeric = new Set(['limit', 'minTokens', 'maxLength', 'threads', 'batch', 'passes']);
  for (let i = 2; i < argv.length; ++i) {
    const flag = argv[i];
    if (flag === '--select-only') { args.selectOnly = true; continue; }
    const key = names[flag];
    if (!key || i + 1 >= argv.length) throw new Error(`bad argument: ${flag}`);
    const value = argv[++i];
    args[key] = numeric.has(key) ? Number(value) : value;
    if (numeric.has(key) && !(Number.isInteger(args[key]) && args[key] >= 0)) {
      throw new Error(`${flag} needs a non-negative integer, got ${value}`);
    }
  }
  if (!args.tokenizer || !args.input) throw new Error('--tokenizer and --input are required');
  if (!args.selectOnly && !args.onnx) throw new Error('--onnx is required unless --select-only');
  if (args.batch < 1 || args.threads < 1 || args.passes < 1) throw new Error('--batch/--threads/--passes must be >= 1');
  return args;
}

// The first `limit` non-empty lines with at least `minTokens` tokens, with their ids.
async function selectTexts(args) {
  const { Tokenizer } = require('tokenizers');
  const tokenizer = Tokenizer.fromFile(args.tokenizer);
  tokenizer.setTruncation(args.maxLength);
  tokenizer.disablePadding();
  const lines = fs.readFileSync(args.input, 'utf8').split('\n');
  const texts = [];
  const ids = [];
  let tokenizeSeconds = 0;
  for (const line of lines) {
    if (line.trim() === '') continue;
    const start = process.hrtime.bigint();
    const encoding = await tokenizer.encode(line);
    tokenizeSeconds += Number(process.hrtime.bigint() - start) / 1e9;
    const lineIds = encoding.getIds();
    if (lineIds.length < args.minTokens) continue;
    texts.push(line);
    ids.push(lineIds);
    if (args.limit > 0 && texts.length >= args.limit) break;
  }
  return { texts, ids, tokenizeSeconds };
}

function peakRssMb() {
  // VmHWM is the true high-water mark of this process; maxRSS is the fallback.
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) / 1024;
  } catch (_) { /* not Linux */ }
  return process.resourceUsage().maxRSS / 1024;
}

function makeBatches(ids, batchSize) {
  const order = ids.map((_, i) => i).sort((a, b) => ids[a].length - ids[b].length);
  const batches = [];
  for (let s = 0; s < order.length; s += batchSize) batches.push(order.slice(s, s + batchSize));
  return batches;
}

function feedsFor(ort, ids, batch) {
  const rows = batch.length;
  const width = Math.max(...batch.map((i) => ids[i].length));
  const inputIds = new BigInt64Array(rows * width);
  const mask = new BigInt64Array(rows * width);
  batch.forEach((index, r) => {
    ids[index].forEach((id, t) => {
      inputIds[r * width + t] = BigInt(id);
      mask[r * width + t] = 1n;
    });
  });
  return {
    width,
    feeds: {
      input_ids: new ort.Tensor('int64', inputIds, [rows, width]),
      attention_mask: new ort.Tensor('int64', mask, [rows, width]),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(rows * width), [rows, width]),
    },
  };
}

// Mean pooling over real tokens + L2 normalization, as sentence-transformers does.
function poolAndNormalize(hidden, mask, rows, width, dim, out) {
  for (let r = 0; r < rows; ++r) {
    const sum = new Float32Array(dim);
    let count = 0;
    for (let t = 0; t < width; ++t) {
      if (mask[r * width + t] === 0n) continue;
      ++count;
      const base = (r * width + t) * dim;
      for (let d = 0; d < dim; ++d) sum[d] += hidden[base + d];
    }
    let norm = 0;
    for (let d = 0; d < dim; ++d) { sum[d] /= Math.max(count, 1); norm += sum[d] * sum[d]; }
    norm = Math.max(Math.sqrt(norm), 1e-12);
    for (let d = 0; d < dim; ++d) sum[d] /= norm;
    out.push(sum);
  }
}

async function main() {
  const args = parseArgs(process.argv);
  const { texts, ids, tokenizeSeconds } = await selectTexts(args);
  if (texts.length === 0) throw new Error(`no texts selected from ${args.input}`);
  const tokens = ids.reduce((n, x) => n + x.length, 0);
  if (args.writeTexts) fs.writeFileSync(args.writeTexts, texts.join('\n') + '\n');
  const summary = {
    engine: 'onnxruntime', texts: texts.length, tokens,
    mean_tokens: tokens / texts.length, max_tokens: Math.max(...ids.map((x) => x.length)),
    tokenize_tokens_per_s: tokens / tokenizeSeconds,
  };
  if (args.selectOnly) {
    console.log(JSON.stringify(summary));
    return;
  }

  const ort = require('onnxruntime-node');
  const session = await ort.InferenceSession.create(args.onnx, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: args.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableCpuMemArena: true,
    enableMemPattern: true,
  });
  const batches = makeBatches(ids, args.batch);
  const prepared = batches.map((batch) => ({ batch, ...feedsFor(ort, ids, batch) }));

  // Warm-up: the shortest and the longest batch, so allocations and kernel
  // choices for both ends are made before timing.
  await session.run(prepared[0].feeds);
  await session.run(prepared[prepared.length - 1].feeds);

  let best = Infinity;
  let embeddings = [];
  for (let pass = 0; pass < args.passes; ++pass) {
    embeddings = [];
    const start = process.hrtime.bigint();
    for (const { batch, width, feeds } of prepared) {
      const output = await session.run(feeds);
      const hidden = output.last_hidden_state;
      poolAndNormalize(hidden.data, feeds.attention_mask.data, batch.length, width, hidden.dims[2], embeddings);
    }
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  if (embeddings.length !== texts.length || embeddings.some((e) => e.some((v) => !Number.isFinite(v)))) {
    throw new Error('ONNX Runtime produced missing or non-finite embeddings');
  }
  console.log(JSON.stringify({
    ...summary, threads: args.threads, batch: args.batch, passes: args.passes,
    seconds: best, texts_per_s: texts.length / best, tokens_per_s: tokens / best,
    peak_rss_mb: peakRssMb(),
  }));
}

main().catch((error) => {
  console.error(`ort_bench: error: ${error.message}`);
  process.exit(1);
});
