// Writes a few MB of deterministic mixed text (English-like prose, code, Chinese, mixed scripts) for tokenizer benchmarks.
// Usage: node make_bench_text.mjs --out FILE [--mb 4]
import fs from "node:fs";
import { makeRng } from "../../tests/tokenizer/prng.mjs";
import * as P from "../../tests/tokenizer/corpus_pieces.mjs";
import { randomMix } from "../../tests/tokenizer/corpus.mjs";

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

// Zipf-like vocabulary of pseudo-words so the word frequencies look like prose, not a 30-word loop.
function makeVocab(rng, n) {
  const syl = ["ta", "re", "on", "in", "an", "er", "st", "th", "al", "ing", "ou", "ex", "pro", "con", "de", "ment",
    "tion", "ly", "ed", "s", "ar", "or", "qu", "ch", "sh", "y", "e", "o", "i", "a"];
  const vocab = [...P.WORDS.english];
  while (vocab.length < n) vocab.push(Array.from({ length: rng.int(1, 4) }, () => rng.pick(syl)).join(""));
  return vocab;
}

function proseLine(rng, vocab) {
  const sentences = [];
  for (let s = rng.int(1, 5); s > 0; s--) {
    const words = Array.from({ length: rng.int(4, 18) }, () => vocab[Math.floor(vocab.length * rng.next() ** 3)]);
    words[0] = words[0][0].toUpperCase() + words[0].slice(1);
    if (rng.chance(0.2)) words.splice(rng.int(1, words.length - 1), 0, rng.pick(P.NUMBERS));
    sentences.push(words.join(rng.chance(0.1) ? ", " : " ") + rng.pick([".", ".", ".", "?", "!"]));
  }
  return sentences.join(" ");
}

function chineseLine(rng) {
  const parts = Array.from({ length: rng.int(1, 6) }, () => rng.pick([...P.WORDS.chinese, ...P.SENTENCES.slice(14, 16)]));
  return parts.join(rng.pick(["", "，", "。"]));
}

function line(rng, vocab) {
  const r = rng.next();
  if (r < 0.5) return proseLine(rng, vocab);
  if (r < 0.7) return rng.pick(P.CODE).trimEnd();
  if (r < 0.85) return chineseLine(rng);
  return randomMix(rng, 12).trimEnd();
}

function main() {
  const out = arg("--out", null);
  if (!out) {
    console.error("usage: make_bench_text.mjs --out FILE [--mb 4]");
    process.exit(2);
  }
  const target = Number(arg("--mb", "4")) * 1e6;
  const rng = makeRng(20250120);
  const vocab = makeVocab(rng, 5000);
  const lines = [];
  let bytes = 0;
  while (bytes < target) {
    const l = line(rng, vocab);
    lines.push(l);
    bytes += Buffer.byteLength(l, "utf8") + 1;
  }
  fs.writeFileSync(out, lines.join("\n") + "\n");
  console.log(JSON.stringify({ file: out, bytes, lines: lines.length }));
}

main();
