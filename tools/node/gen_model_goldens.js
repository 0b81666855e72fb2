// Generates tests/data/tokenizer_models/*.json: what Hugging Face tokenizers
// (the official Rust library, through its npm binding) produces when a single
// piece reaches the model stage unchanged. The tokenizer built around each
// model has no normalizer, pre-tokenizer, post-processor or added tokens, so
// encode(piece) is exactly Model::tokenize(piece).
//
// Usage (from the repository root):
//   node tools/node/gen_model_goldens.js [shared_dir]
// shared_dir defaults to ../shared beside the checkout.
'use strict';
const fs = require('fs');
const path = require('path');
const { Tokenizer } = require('tokenizers');

const repoRoot = path.resolve(__dirname, '..', '..');
const sharedDir = path.resolve(process.argv[2] || path.join(repoRoot, '..', 'shared'));
const outDir = path.join(repoRoot, 'tests', 'data', 'tokenizer_models');

function tokenizerAround(model) {
  return Tokenizer.fromString(JSON.stringify({
    version: '1.0', truncation: null, padding: null, added_tokens: [],
    normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, model,
  }));
}

// The binding reports offsets in chars; the C++ model works in bytes.
function charToByteOffsets(piece) {
  const table = [0];
  let bytes = 0;
  for (const ch of piece) {
    bytes += Buffer.byteLength(ch, 'utf8');
    table.push(bytes);
  }
  return table;
}

async function runCases(model, pieces, { withOffsets = true } = {}) {
  const tokenizer = tokenizerAround(model);
  const cases = [];
  for (const piece of pieces) {
    try {
      const encoding = await tokenizer.encode(piece);
      const table = charToByteOffsets(piece);
      cases.push({
        piece,
        ids: encoding.getIds(),
        tokens: encoding.getTokens(),
        offsets: withOffsets ? encoding.getOffsets().map(([b, e]) => [table[b], table[e]]) : null,
      });
    } catch (err) {
      cases.push({ piece, error: String(err.message || err) });
    }
  }
  return cases;
}

function readLines(relative) {
  return fs.readFileSync(path.join(sharedDir, relative), 'utf8').split('\n').filter((l) => l.length > 0);
}

function uniqueFirst(items, limit) {
  const seen = new Set();
  const result = [];
  for (const item of items) {
    if (item.length === 0 || seen.has(item)) continue;
    seen.add(item);
    result.push(item);
    if (result.length >= limit) break;
  }
  return result;
}

// Every k-th line, so the sample spans the file deterministically.
function sampleLines(lines, count) {
  const step = Math.max(1, Math.floor(lines.length / count));
  const picked = [];
  for (let i = 0; i < lines.length && picked.length < count; i += step) picked.push(lines[i]);
  return picked;
}

// BERT-style words: runs of letters/digits/marks, or single other symbols.
function bertWords(text) {
  return text.toLowerCase().match(/[\p{L}\p{N}\p{M}]+|[^\s\p{L}\p{N}\p{M}]/gu) || [];
}

// GPT-2's pre-tokenizer regex and its byte -> printable-char table.
const gpt2Split = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
function byteToUnicode() {
  const bs = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) { bs.push(b); cs.push(256 + n); n++; }
  }
  const table = new Array(256);
  bs.forEach((b, i) => { table[b] = String.fromCodePoint(cs[i]); });
  return table;
}
const byteTable = byteToUnicode();
function byteLevel(word) {
  return Array.from(Buffer.from(word, 'utf8')).map((b) => byteTable[b]).join('');
}

function loadModel(relative) {
  return JSON.parse(fs.readFileSync(path.join(sharedDir, relative), 'utf8')).model;
}

function write(name, golden) {
  fs.writeFileSync(path.join(outDir, name), JSON.stringify(golden) + '\n');
  console.log(`${name}: ${golden.cases.length} cases`);
}

// A deterministic pseudo-random word generator (no Math.random: goldens must
// be reproducible).
function lcgWords(seed, count, alphabet, minLength, maxLength) {
  let state = seed >>> 0;
  const next = () => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return state; };
  const chars = Array.from(alphabet);
  const words = [];
  for (let i = 0; i < count; i++) {
    const length = minLength + (next() % (maxLength - minLength + 1));
    let w = '';
    for (let j = 0; j < length; j++) w += chars[next() % chars.length];
    words.push(w);
  }
  return words;
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const news = readLines('data/corpus/ag_news_test.txt');
  const multilingual = readLines('data/multilingual/multilingual_sample.txt');
  const stress = readLines('data/multilingual/stress_inputs.txt');

  // WordPiece (BERT uncased vocab shared by bge / MiniLM; mpnet's differs).
  const englishWords = uniqueFirst(sampleLines(news, 400).flatMap(bertWords), 400);
  const foreignWords = uniqueFirst(sampleLines(multilingual, 300).flatMap(bertWords), 150);
  const stressWords = uniqueFirst(stress.flatMap((l) => l.toLowerCase().split(/\s+/)), 80);
  const wordpieceExtras = [
    'unaffable', 'tokenization', 'supercalifragilisticexpialidocious', 'héllo', 'naïve',
    'x'.repeat(100), 'x'.repeat(101), 'é'.repeat(100), 'é'.repeat(101), 'ab'.repeat(50) + 'c',
    '😀', 'a😀b', '##', '##ing', '[UNK]', '[CLS]', 'ǅemal', '\u0301', 'ﬁ',
  ];
  const wordpiecePieces = [...englishWords, ...foreignWords, ...stressWords, ...wordpieceExtras];
  for (const [name, file] of [
    ['wordpiece_bge.json', 'tokenizers/bge-large-en-v1.5/tokenizer.json'],
    ['wordpiece_mpnet.json', 'tokenizers/all-mpnet-base-v2/tokenizer.json'],
    ['wordpiece_minilm.json', 'models/all-MiniLM-L6-v2/tokenizer.json'],
  ]) {
    write(name, { model_file: file, cases: await runCases(loadModel(file), wordpiecePieces) });
  }

  // Byte-level BPE: pieces as the ByteLevel pre-tokenizer hands them over.
  const gptWords = uniqueFirst(sampleLines(news, 300).flatMap((l) => l.match(gpt2Split) || []), 350);
  const gptForeign = uniqueFirst(sampleLines(multilingual, 200).flatMap((l) => l.match(gpt2Split) || []), 150);
  const gptStress = uniqueFirst(stress.flatMap((l) => l.match(gpt2Split) || []), 80);
  const longWords = [
    'pneumonoultramicroscopicsilicovolcanoconiosis',
    ' antidisestablishmentarianism',
    'abcdefghijklmnopqrstuvwxyz'.repeat(20),
    ...lcgWords(7, 20, 'abcdefghijklmnopqrstuvwxyz', 30, 300),
    ...lcgWords(11, 5, 'aeiouéèçñßøあいう日本語😀', 10, 60),
    ' ' + 'ha'.repeat(200),
    '1234567890'.repeat(10),
    '\n\n\n', '   ', '\t',
  ];
  const bpePieces = [...gptWords, ...gptForeign, ...gptStress, ...longWords].map(byteLevel);
  // Raw (unmapped) Unicode too: chars missing from a byte-level vocab vanish
  // when there is no unk token.
  const rawPieces = ['héllo', 'naïve café', '日本語', 'plain'];
  // Offsets are left out for those: the model's byte offsets then count only
  // the kept chars' bytes, which the binding's char offsets cannot express
  // (models_bpe_test.cc checks them by hand).
  for (const [name, file] of [
    ['bpe_gpt2.json', 'tokenizers/gpt2/tokenizer.json'],
    ['bpe_roberta.json', 'tokenizers/roberta-base/tokenizer.json'],
  ]) {
    const model = loadModel(file);
    write(name, { model_file: file, cases: [...await runCases(model, bpePieces),
      ...await runCases(model, rawPieces, { withOffsets: false })] });
  }

  // Unigram (t5-small): Metaspace-prefixed words of many scripts.
  const t5Words = uniqueFirst(sampleLines(multilingual, 600).flatMap((l) => l.split(/\s+/)), 500)
    .map((w) => '\u2581' + w);
  const t5Extras = ['\u2581', '\u2581Hello', '\u2581unaffable', '▁<unk>', '▁a<unk>😀b', '▁😀😀x',
    'abc', '日本', '\u2581' + 'abcdefghij'.repeat(30)];
  write('unigram_t5.json', {
    model_file: 'tokenizers/t5-small/tokenizer.json',
    cases: await runCases(loadModel('tokenizers/t5-small/tokenizer.json'), [...t5Words, ...t5Extras]),
  });

  // Small hand-made models for the options no shipped file uses.
  const byteTokens = [];
  for (let b = 0; b < 256; b++) byteTokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);

  const unigramByteFallback = {
    type: 'Unigram', unk_id: 0, byte_fallback: true,
    vocab: [['<unk>', 0.0], ...byteTokens.map((t) => [t, -20.0]),
      ['▁', -2.0], ['a', -3.0], ['b', -3.5], ['ab', -4.0], ['abc', -4.5], ['c', -3.0],
      ['▁ab', -5.0], ['é', -3.0], ['日', -4.0], ['本', -4.0], ['日本', -6.0], ['bc', -2.0]],
  };
  const unigramNoBytes = { type: 'Unigram', unk_id: 0, byte_fallback: true,
    vocab: unigramByteFallback.vocab.filter(([t]) => t !== '<0xF0>') };
  const unigramTies = { type: 'Unigram', unk_id: 1, byte_fallback: false,
    vocab: [['x', -1.0], ['<unk>', 0.0], ['a', -1.0], ['b', -1.0], ['ab', -2.0], ['ba', -2.0],
      ['aba', -3.0], ['bab', -3.0], ['abab', -4.0]] };
  const unigramPieces = ['abc', '▁abc', 'ab😀c', '😀', '😀😀', 'xé日本z', '日本語', 'çab', 'ababab', 'babab',
    'zzz', 'a z b', '<unk>', 'x<unk>y'];
  write('unigram_synthetic.json', { models: {
    byte_fallback: unigramByteFallback, missing_byte: unigramNoBytes, ties: unigramTies,
  }, cases: [
    ...(await runCases(unigramByteFallback, unigramPieces)).map((c) => ({ model: 'byte_fallback', ...c })),
    ...(await runCases(unigramNoBytes, unigramPieces)).map((c) => ({ model: 'missing_byte', ...c })),
    ...(await runCases(unigramTies, unigramPieces)).map((c) => ({ model: 'ties', ...c })),
  ] });

  const letters = 'abcdeé';
  const baseVocab = {};
  let nextId = 0;
  const addToken = (vocab, t) => { if (!(t in vocab)) vocab[t] = Object.keys(vocab).length; };
  for (const t of ['<unk>', ...Array.from(letters)]) addToken(baseVocab, t);
  const mergesPlain = [['a', 'b'], ['b', 'c'], ['ab', 'c'], ['c', 'd'], ['abc', 'd'], ['d', 'e'], ['e', 'é']];
  for (const [l, r] of mergesPlain) addToken(baseVocab, l + r);
  const bpeFused = { type: 'BPE', unk_token: '<unk>', fuse_unk: true, byte_fallback: false,
    vocab: baseVocab, merges: mergesPlain.map(([l, r]) => `${l} ${r}`) };
  const bpeUnfused = { ...bpeFused, fuse_unk: false, merges: mergesPlain };
  const bpeNoUnk = { ...bpeFused, unk_token: null };
  const byteVocab = { ...baseVocab };
  for (const t of byteTokens) addToken(byteVocab, t);
  const bpeBytes = { ...bpeFused, vocab: byteVocab, byte_fallback: true };
  const bpeBytesNoUnk = { ...bpeBytes, unk_token: null };
  const ignoreVocab = { ...baseVocab };
  addToken(ignoreVocab, 'abcdab');
  const bpeIgnoreMerges = { ...bpeFused, vocab: ignoreVocab, ignore_merges: true };
  const bpeKeepMerges = { ...bpeFused, vocab: ignoreVocab, ignore_merges: false };
  // continuing_subword_prefix / end_of_word_suffix (as in CharBPE / WordPiece-style BPE).
  const affixVocab = {};
  for (const t of ['<unk>', 'a', 'b', 'c', '##a', '##b', '##c', 'c</w>', '##c</w>', 'b</w>', '##b</w>',
    'ab', '##bc</w>', 'abc</w>', '##ab']) addToken(affixVocab, t);
  const bpeAffixes = { type: 'BPE', unk_token: '<unk>', continuing_subword_prefix: '##',
    end_of_word_suffix: '</w>', fuse_unk: false, vocab: affixVocab,
    merges: ['a ##b', '##b ##c</w>', 'ab ##c</w>', '##a ##b'] };
  // Ties between equal ranks are impossible (one rank per pair), but the same
  // pair occurring twice must merge leftmost first: "aaa" with a+a.
  const repeatVocab = { '<unk>': 0, a: 1, aa: 2, aaaa: 3 };
  const bpeRepeat = { type: 'BPE', unk_token: '<unk>', vocab: repeatVocab, merges: ['a a', 'aa aa'] };
  const bpePieces2 = ['abcde', 'abcdab', 'aébc', 'xyz', 'axyzb', 'a😀b', '😀😀', 'ééé', 'cdcd', 'éxa'];
  // Byte fallback also covers prefix/suffix bytes, and does not flush a
  // pending unknown first (a vocabulary lacking <0xF0> shows the order).
  const bpeBytesAffixes = { ...bpeAffixes, vocab: { ...affixVocab }, byte_fallback: true, fuse_unk: true };
  for (const t of byteTokens) addToken(bpeBytesAffixes.vocab, t);
  const bytesMissingF0 = { ...bpeBytes, vocab: { ...byteVocab } };
  delete bytesMissingF0.vocab['<0xF0>'];
  const bpeModels = {
    fused: bpeFused, unfused: bpeUnfused, no_unk: bpeNoUnk, bytes: bpeBytes, bytes_no_unk: bpeBytesNoUnk,
    ignore_merges: bpeIgnoreMerges, keep_merges: bpeKeepMerges, affixes: bpeAffixes, repeat: bpeRepeat,
    bytes_affixes: bpeBytesAffixes, bytes_missing_f0: bytesMissingF0,
  };
  const bpeCases = [];
  const extraPieces = { affixes: ['abc', 'ab', 'abab', 'ba', 'cab', 'c', 'xbc'],
    repeat: ['a', 'aa', 'aaa', 'aaaa', 'aaaaa', 'aaaaaaa'],
    bytes_affixes: ['ax', 'xa', 'abé', 'é', 'abc'],
    bytes_missing_f0: ['😀x', 'x😀', '😀😀x', 'a😀éb'] };
  for (const [name, model] of Object.entries(bpeModels)) {
    const pieces = extraPieces[name] || bpePieces2;
    // Byte-fallback tokens cover single bytes, which a char-offset binding
    // cannot report faithfully; those offsets are checked by hand in C++.
    // Chars dropped for want of an unk token shift offsets the same way.
    const withOffsets = !name.startsWith('bytes') && name !== 'no_unk';
    for (const c of await runCases(model, pieces, { withOffsets })) bpeCases.push({ model: name, ...c });
  }
  write('bpe_synthetic.json', { models: bpeModels, cases: bpeCases });

  const wordLevel = { type: 'WordLevel', unk_token: '<unk>',
    vocab: { '<unk>': 0, hello: 1, world: 2, 'héllo': 3 } };
  const wordLevelNoUnk = { type: 'WordLevel', unk_token: '[UNK]', vocab: { hello: 0 } };
  const wlPieces = ['hello', 'world', 'héllo', 'Hello', 'nope'];
  write('word_level_synthetic.json', { models: { plain: wordLevel, no_unk: wordLevelNoUnk }, cases: [
    ...(await runCases(wordLevel, wlPieces)).map((c) => ({ model: 'plain', ...c })),
    ...(await runCases(wordLevelNoUnk, wlPieces)).map((c) => ({ model: 'no_unk', ...c })),
  ] });

  const wpSmall = { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##',
    max_input_chars_per_word: 5, vocab: { '[UNK]': 0, a: 1, '##b': 2, ab: 3, '##c': 4, '##bc': 5, 'é': 6, '##é': 7 } };
  const wpNoUnk = { ...wpSmall, unk_token: '<missing>' };
  const wpOtherPrefix = { ...wpSmall, continuing_subword_prefix: '@@', max_input_chars_per_word: 100,
    vocab: { '[UNK]': 0, a: 1, '@@b': 2, '@@c': 3, '@@bc': 4 } };
  const wpPieces = ['abc', 'abcbc', 'abcbcb', 'aé', 'aéé', 'aééééé', 'ba', 'ax', 'a', 'ééééé'];
  write('wordpiece_synthetic.json', { models: { small: wpSmall, no_unk: wpNoUnk, other_prefix: wpOtherPrefix },
    cases: [
      ...(await runCases(wpSmall, wpPieces)).map((c) => ({ model: 'small', ...c })),
      ...(await runCases(wpNoUnk, wpPieces)).map((c) => ({ model: 'no_unk', ...c })),
      ...(await runCases(wpOtherPrefix, wpPieces)).map((c) => ({ model: 'other_prefix', ...c })),
    ] });
}

main().catch((err) => { console.error(err); process.exit(1); });
