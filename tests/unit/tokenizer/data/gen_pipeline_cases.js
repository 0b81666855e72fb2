// Regenerates pipeline_cases.json: the reference encodings of every
// (variant tokenizer.json, input) pair by the real HF `tokenizers` binding.
// Run: NODE_PATH=<repo>/tools/node/node_modules node gen_pipeline_cases.js <shared dir>
// Offsets are converted from chars to UTF-8 bytes of the input.
const { Tokenizer } = require('tokenizers');
const fs = require('fs');
const os = require('os');
const path = require('path');

const { build } = require('./variants.js');

(async () => {
  const shared = process.argv[2];
  const spec = JSON.parse(fs.readFileSync(path.join(__dirname, 'pipeline_cases.spec.json'), 'utf8'));
  const cases = [];
  for (const [name, variant] of Object.entries(spec.variants)) {
    const file = path.join(os.tmpdir(), `tokpipe_${name}.json`);
    fs.writeFileSync(file, JSON.stringify(build(shared, variant)));
    const tok = Tokenizer.fromFile(file);
    tok.disablePadding();  // textembed never applies the file's padding
    for (const text of spec.inputs) {
      const e = await tok.encode(text, null, { addSpecialTokens: true });
      const cps = Array.from(text);
      const byteAt = [0];
      for (const c of cps) byteAt.push(byteAt[byteAt.length - 1] + Buffer.byteLength(c, 'utf8'));
      cases.push({
        variant: name, text, ids: e.getIds(), tokens: e.getTokens(),
        offsets: e.getOffsets().map(([a, b]) => [byteAt[a], byteAt[b]]),
        special_tokens_mask: e.getSpecialTokensMask(), type_ids: e.getTypeIds(),
      });
    }
    fs.unlinkSync(file);
  }
  fs.writeFileSync(path.join(__dirname, 'pipeline_cases.json'), JSON.stringify({ cases }));
  console.log(cases.length, 'cases');
})();
