// Regenerates hf_regressions.json: HF tokenizers' answers for the cases of
// hf_regressions.spec.json (encodings, pair encodings, decodes), plus 40
// pseudo-random id sequences per decode variant (fixed seed).
// Run: NODE_PATH=<repo>/tools/node/node_modules node gen_hf_regressions.js <shared dir>
// Offsets are converted from chars to UTF-8 bytes of the text they point into.
'use strict';

const { Tokenizer } = require('tokenizers');
const fs = require('fs');
const path = require('path');

const { build } = require('./variants.js');

function byteOffsets(text) {
  const at = [0];
  for (const c of Array.from(text)) at.push(at[at.length - 1] + Buffer.byteLength(c, 'utf8'));
  return at;
}

(async () => {
  const shared = process.argv[2];
  const spec = JSON.parse(fs.readFileSync(path.join(__dirname, 'hf_regressions.spec.json'), 'utf8'));
  const tokenizers = {};
  const get = (name) => {
    if (!tokenizers[name]) {
      const t = Tokenizer.fromString(JSON.stringify(build(shared, spec.variants[name])));
      t.disablePadding();
      tokenizers[name] = t;
    }
    return tokenizers[name];
  };
  const out = { encode: [], pairs: [], decode: [] };
  for (const c of spec.encode) {
    const t = get(c.variant);
    t.disableTruncation();
    const e = await t.encode(c.text, null, { addSpecialTokens: true });
    const at = byteOffsets(c.text);
    out.encode.push({ ...c, ids: e.getIds(), offsets: e.getOffsets().map(([a, b]) => [at[a], at[b]]) });
  }
  for (const c of spec.pairs) {
    const t = get(c.variant);
    // The direction is the variant's (tokenizer.json truncation), as textembed reads it.
    const truncation = build(shared, spec.variants[c.variant]).truncation;
    const direction = truncation && truncation.direction === 'Left' ? 'left' : 'right';
    if (c.max_length === 0) t.disableTruncation();
    else t.setTruncation(c.max_length, { strategy: { longest_first: 'LongestFirst', only_first: 'OnlyFirst', only_second: 'OnlySecond' }[c.strategy], direction });
    const e = await t.encode(c.first, c.second, { addSpecialTokens: c.add_special_tokens !== false });
    const seq = e.getSequenceIds();
    const a = byteOffsets(c.first), b = byteOffsets(c.second);
    out.pairs.push({
      ...c, ids: e.getIds(), type_ids: e.getTypeIds(),
      offsets: e.getOffsets().map(([x, y], i) => (seq[i] === 1 ? [b[x], b[y]] : [a[x], a[y]])),
    });
    t.disableTruncation();
  }
  let state = 12345;
  const rand = (n) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % n;
  };
  const decodeCases = [];
  for (const c of spec.decode) {
    decodeCases.push(c);
    const size = get(c.variant).getVocabSize(true);
    for (let k = 0; k < 40; ++k) {
      const ids = [];
      for (let n = 1 + rand(10); n > 0; --n) ids.push(rand(size + 2));
      decodeCases.push({ variant: c.variant, ids });
    }
  }
  for (const c of decodeCases) {
    const t = get(c.variant);
    out.decode.push({ ...c, text: await t.decode(c.ids, false), text_skip_special: await t.decode(c.ids, true) });
  }
  fs.writeFileSync(path.join(__dirname, 'hf_regressions.json'), JSON.stringify(out, null, 0) + '\n');
  console.log(out.encode.length, 'encodings,', out.pairs.length, 'pairs,', out.decode.length, 'decodes');
})();
