// Builds a variant tokenizer.json: a shared tokenizer.json with top-level keys
// replaced by `variant.override`, where "$base" in an array stands for the
// base's added tokens and "$base_normalizer" / "$base_post_processor" for those
// stages of the base. Shared by the generator scripts of this folder (the C++
// side is tests/unit/tokenizer/variant_tokenizers.h).
'use strict';

const fs = require('fs');
const path = require('path');

function build(shared, variant) {
  const base = JSON.parse(fs.readFileSync(path.join(shared, variant.base, 'tokenizer.json'), 'utf8'));
  const out = JSON.parse(JSON.stringify(base));
  const subst = (v) => {
    if (v === '$base_normalizer') return base.normalizer;
    if (v === '$base_post_processor') return base.post_processor;
    if (Array.isArray(v)) return v.flatMap((x) => (x === '$base' ? base.added_tokens : [subst(x)]));
    if (v && typeof v === 'object') {
      const o = {};
      for (const [k, x] of Object.entries(v)) o[k] = subst(x);
      return o;
    }
    return v;
  };
  for (const [k, v] of Object.entries(variant.override)) out[k] = subst(v);
  return out;
}

module.exports = { build };
