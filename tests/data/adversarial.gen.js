#!/usr/bin/env node
// Writes tests/data/adversarial.jsonl: hand-picked hard cases for tokenizer
// parity (one JSON string per line so tabs, newlines, NUL and other control
// characters survive). Regenerate with `node tests/data/adversarial.gen.js`.
// Invalid UTF-8 cannot be expressed here (HF takes only valid strings); it is
// covered by tests/integration/cli_tokenize_test.sh and the fuzzer.
'use strict';

const fs = require('fs');
const path = require('path');

const repeat = (s, n) => s.repeat(n);
const cases = [
  // Empty and whitespace-only inputs.
  '', ' ', '   ', '\t', '\n', '\r\n', ' \t \n \r ', '\u00a0', '\u3000', '\u2028', '\u2029',
  '\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a', '\u205f\u202f\u1680',
  'a\u00a0b', 'a\u3000b', 'a  b   c    d', '  leading and trailing  ', 'tab\tseparated\tvalues',
  'line one\nline two\r\nline three\rline four', '\u0085next line C1', 'a\u000bvertical\u000cform',
  // Control characters, NUL, DEL, C1 controls.
  'nul\u0000byte', '\u0000', '\u0000\u0000abc\u0000', '\u0001\u0002\u0003\u001f', 'del\u007fchar',
  '\u0080\u0081\u009f C1', 'bell\u0007 escape\u001b[31mred\u001b[0m',
  // Zero-width and format characters.
  'zero\u200bwidth\u200bspace', 'zw\u200cnj and zw\u200dj', '\ufeffBOM at start', 'mid\ufeffBOM',
  'soft\u00adhyphen', 'word\u2060joiner', 'lrm\u200e rlm\u200f', '\u202eright-to-left override\u202c',
  'mongolian\u180evowel', 'invisible\u2062times', 'variation\ufe0fselector',
  // Accents: precomposed and decomposed, stacked combining marks.
  'café naïve résumé façade', 'cafe\u0301 nai\u0308ve', 'Ångström Ǻ ǻ', 'ÀÁÂÃÄÅàáâãäå',
  'e\u0301\u0302\u0303\u0304\u0305\u0306\u0307', '\u0301leading combining mark', ' \u0301 spaced mark',
  'Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a\u032f\u031e\u0320\u034dA\u0334\u0335\u031c\u0330\u0354L\u0338\u0337G\u035dO\u0315\u035e!',
  'ǅ ǈ ǋ titlecase digraphs', 'İstanbul ıi İI', 'Straße STRASSE ß ẞ', 'ﬁﬂﬀﬃﬄ ligatures',
  'Σίσυφος ΣΊΣΥΦΟΣ final sigma ς', 'Ⅻ ⅻ ① ⑳ ㊿ ¹²³ ½ ¾ ℃ ℉ № ™ ℡', 'ＡＢＣ ａｂｃ １２３ ！？',
  'ｶﾀｶﾅ ﾊﾟﾋﾟ half-width katakana', 'ㄱㄴㄷ 각 한국어 한글', '\u1100\u1161\u11a8 jamo sequence',
  // CJK, Japanese, Korean, extension planes.
  '中文字符测试，包括标点。', '日本語のテキスト、ひらがなとカタカナ。', '漢字かな交じり文', '𠀀𠀁𪚥 CJK ext B',
  '中a文b字c', '「引用」『二重』【括弧】〔亀甲〕', '々〆〇ヶ', '한국어 문장입니다. 띄어쓰기 테스트!',
  // Emoji: simple, modifiers, ZWJ sequences, flags, keycaps, tags.
  '😀😃😄😁', 'thumbs 👍🏻👍🏼👍🏽👍🏾👍🏿', 'family 👨‍👩‍👧‍👦 and 👩‍❤️‍💋‍👨', '🏳️‍🌈 🏴‍☠️',
  'flags 🇺🇸🇩🇪🇯🇵🇫🇷', 'keycaps 1️⃣ 2️⃣ #️⃣ *️⃣ 🔟', '🏴\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f} England',
  'emoji😀inside😀words', 'I ❤️ NY ☕ ♥ ✔ ✈️', '🧑🏽‍💻 technologist', '🫠🫨🪿 newer emoji',
  // Scripts: RTL, Thai, Devanagari, other Indic, others.
  'مرحبا بالعالم! هذا نص عربي.', 'שלום עולם, זה טקסט בעברית.', 'mixed عربي and English ومزيد',
  'Arabic harakat: بِسْمِ اللَّهِ الرَّحْمَٰنِ', 'ﷺ ﷽ Arabic ligatures', '۱۲۳ ٤٥٦ Arabic-Indic digits',
  'ภาษาไทยไม่มีการเว้นวรรคระหว่างคำ', 'กรุงเทพมหานคร อมรรัตนโกสินทร์', 'ก่ ก้ ก๊ ก๋ tone marks',
  'नमस्ते दुनिया। यह हिंदी पाठ है।', 'क्षत्रिय ज्ञान श्री', 'বাংলা ভাষা', 'தமிழ் மொழி', 'ಕನ್ನಡ తెలుగు',
  'Ελληνικά κείμενο', 'Русский текст с ёлкой', 'Українська мова: ґ є ї', 'Tiếng Việt có dấu: ă â đ ê ô ơ ư',
  'ქართული', 'Հայերեն', 'አማርኛ', 'ᚠᛇᚻ runes', '𓀀𓀁 hieroglyphs', '𝕳𝖊𝖑𝖑𝖔 𝐁𝐨𝐥𝐝 𝒮𝒸𝓇𝒾𝓅𝓉',
  // Special tokens appearing literally, and next to words.
  '[CLS] [SEP] [MASK] [PAD] [UNK]', 'hello[MASK]world', 'a [mask] b', '<s> </s> <pad> <unk> <mask>',
  'x<mask>y', ' <mask> ', '<extra_id_0> <extra_id_99> <extra_id_100>', '<|endoftext|>text<|endoftext|>',
  '[CLS][CLS][SEP]', '<s><s></s>', '[cls] [sep] lowercased specials', '▁ underscore-like ▁▁▁',
  // Contractions and regex edge cases of byte-level BPE.
  "don't can't won't I'm you're we've they'll he'd it's", "DON'T CAN'T IT'S I'M", "'s 't 're 've 'm 'll 'd",
  "rock 'n' roll ''quoted'' '''", "O'Neil's", 'numbers 123 4567 89012 3.14159 1,000,000 0x1F',
  '1234567890123456789012345678901234567890', '$100 €200 £300 ¥400 ₹500 ₿', '50% 100‰ ±5 ≈ ≠ ≤ ≥',
  // Repeated punctuation and symbols.
  '!!!!!!!!!!!!!!!!!!!!', '??!!..,,;;::', '...', '……', '———', '--- *** ___ ~~~ ```', '!@#$%^&*()_+-=[]{}|;\':",./<>?`~',
  '(((nested)))', '"quoted" \'single\' «guillemets» „German“ “curly” ‘single’', '¿Qué? ¡Sí!',
  'https://example.com/path?query=1&x=y#frag', 'user@example.com', 'C:\\Windows\\System32',
  'def f(x):\n\treturn x ** 2  # comment', 'if (a && b || !c) { return a->b[0]; }', '<html><body>hi</body></html>',
  ':-) :-( ;-) :D xD ^_^ ¯\\_(ツ)_/¯ (╯°□°)╯︵ ┻━┻', '→ ← ↑ ↓ ⇒ ∀x∃y ∑ ∫ √ ∞ ∂', '█▓▒░ ■□▪▫ ♠♣♥♦',
  // Unusual code points.
  '\ue000\uf8ff private use', '\u{f0000}\u{10fffd} supplementary private use', '\ufffe\uffff noncharacters',
  '\ufffd replacement char', 'a\ufffdb', '\u{1d400}\u{1d7ff}', '\u2126 \u212b \u2160 compatibility',
  '\u0e33 \u0e4d\u0e32 sara am', '\u0f00 \u0f77 tibetan', '\u1e9e \u00df', '\u0130\u0307',
  // Unassigned (Cn) code points and noncharacters: HF's BertNormalizer keeps them.
  'x\u0378y x\ufdd0y x\u{1fffe}y x\u{e0080}y x\u{10ffff}y', '\u0378', 'a \u{e0001} tag begin (Cf)',
  'ﬀ\u0301', 'ǰ̣', 'ΐ', 'ﾞﾟ', '\u3099\u309a', 'Å vs A\u030a vs \u212b',
  // Very long words and long texts.
  repeat('a', 99), repeat('b', 100), repeat('c', 101), repeat('d', 200), repeat('e', 1500),
  repeat('ab', 600), repeat('日', 300), repeat('😀', 150), repeat('é', 120), repeat('e\u0301', 120),
  'supercalifragilisticexpialidocious ' + repeat('pneumonoultramicroscopicsilicovolcanoconiosis', 3),
  repeat('x ', 700), repeat('word ', 600), repeat('!', 1200), repeat(' ', 1000) + 'end',
  repeat('The quick brown fox jumps over the lazy dog. ', 60),
  repeat('東京は日本の首都です。', 80),
  'Lorem ipsum ' + repeat('dolor sit amet, consectetur adipiscing elit, ', 40) + repeat('z', 300),
];

const out = path.join(__dirname, 'adversarial.jsonl');
fs.writeFileSync(out, cases.map((c) => JSON.stringify(c)).join('\n') + '\n');
console.log(`wrote ${cases.length} cases to ${out}`);
