// Deterministic test corpus for one tokenizer: fixed pools, edge cases, special tokens in text, and seeded random mixes.
import { makeRng, hashString } from "./prng.mjs";
import * as P from "./corpus_pieces.mjs";
import { familyCases } from "./family_cases.mjs";

const ALL_WORDS = Object.values(P.WORDS).flat();
const cps = (s) => Array.from(s); // code points, never split a surrogate pair
const truncate = (s, n) => cps(s).slice(0, n).join("");

function fixedCases() {
  const out = ["", ...ALL_WORDS, ...P.SENTENCES, ...P.CODE, ...P.LATEX, ...P.NUMBERS, ...P.WHITESPACE,
    ...P.PUNCT, ...P.CONTRACTIONS, ...P.URLS, ...P.EMOJI];
  for (let c = 0x20; c < 0x7f; c++) out.push(String.fromCharCode(c));
  for (const s of [...P.NORMALIZATION, ...P.WORDS.latin, ...P.WORDS.greek, ...P.WORDS.korean]) {
    for (const form of ["NFC", "NFD", "NFKC", "NFKD"]) out.push(s.normalize(form), `${s.normalize(form)} x`);
  }
  for (const e of P.EMOJI) out.push(`I ${e} it`, `${e}${e}`, `${e}text`);
  return out;
}

function contractionCases() {
  const out = [];
  for (const c of P.CONTRACTIONS) {
    out.push(`x${c}`, `X${c}`, ` ${c}`, `${c} word`, `I${c}`, `you${c.toUpperCase()}`, `${c}${c}`, `'${c}`,
      `don${c}`, `1${c}`, `中${c}`, `\n${c}`);
  }
  return out;
}

function whitespaceCases() {
  const out = [];
  for (const w of P.WHITESPACE) {
    out.push(`a${w}b`, `${w}a`, `a${w}`, `${w}${w}`, `${w}hello world${w}`, `x${w}${w}${w}y`, `.${w}`, `${w}.`,
      `${w}123`, `中${w}文`);
  }
  for (let n = 1; n <= 17; n += 4) out.push(" ".repeat(n) + "x", "x" + " ".repeat(n), "\n".repeat(n), "\t".repeat(n) + "y");
  out.push("  \n\n  ", " \r\n ", "\r\n\t\r\n", "a \n b", "a\t\n\tb", "a\r\rb", "\n \n \n", "  a  b  ");
  return out;
}

function numberCases(rng) {
  const out = [];
  for (let n = 1; n <= 24; n++) out.push("1234567890".repeat(3).slice(0, n), `x${"9".repeat(n)}y`);
  for (let i = 0; i < 40; i++) {
    const sep = rng.pick([",", ".", " ", "_", "'", ""]);
    const groups = Array.from({ length: rng.int(1, 5) }, () => String(rng.int(0, 999)).padStart(3, "0"));
    out.push(String(rng.int(1, 999)) + sep + groups.join(sep));
  }
  return out;
}

function longCases(rng) {
  const out = ["a".repeat(500), "A".repeat(1000), "é".repeat(600), "中".repeat(600), "😀".repeat(300),
    " ".repeat(600), "\n".repeat(300), "7".repeat(700), "ab".repeat(400), "!".repeat(500), "'s".repeat(200),
    "\t".repeat(300) + "x", "Привет".repeat(100), "ก".repeat(500)];
  for (let i = 0; i < 12; i++) out.push(truncate(randomMix(rng, 400), 2000));
  return out;
}

function specialCases(rng, added) {
  // DeepSeek has ~700 placeholder tokens: keep all named ones, a sample of the rest.
  const named = added.filter((t) => !/place▁holder|reserved_special/.test(t));
  const sampled = added.filter((t) => /place▁holder|reserved_special/.test(t)).filter(() => rng.chance(0.05));
  const toks = [...named, ...sampled];
  const out = [];
  for (const t of toks) {
    const k = cps(t).length;
    out.push(t, `hi${t}there`, ` ${t} `, `${t}${t}`, `${t}\n`, truncate(t, k - 1), truncate(t, Math.ceil(k / 2)),
      cps(t).slice(1).join(""), `${truncate(t, k - 1)}${t}`);
  }
  for (let i = 0; i < 150; i++) {
    const parts = Array.from({ length: rng.int(2, 6) }, () => (rng.chance(0.4) ? rng.pick(toks) : randomPiece(rng)));
    out.push(parts.join(rng.chance(0.5) ? "" : rng.pick(P.WHITESPACE)));
  }
  return out;
}

function randomCodePoints(rng, count) {
  const out = [];
  for (let i = 0; i < count; i++) {
    let s = "";
    for (let n = rng.int(1, 30); n > 0; n--) {
      const [lo, hi] = rng.pick(P.BLOCKS);
      const cp = rng.int(lo, hi);
      if (cp >= 0xd800 && cp <= 0xdfff) continue; // only valid scalar values
      s += String.fromCodePoint(cp);
    }
    out.push(s);
  }
  return out;
}

function randomPiece(rng) {
  const pool = rng.pick([ALL_WORDS, ALL_WORDS, P.SENTENCES, P.CODE, P.LATEX, P.NUMBERS, P.PUNCT, P.CONTRACTIONS,
    P.URLS, P.EMOJI, P.WORDS.chinese, P.WORDS.japanese]);
  return rng.pick(pool);
}

// A run of 1..maxPieces random pieces from all pools with random separators (also used by the bench text).
export function randomMix(rng, maxPieces) {
  let s = "";
  for (let n = rng.int(1, maxPieces); n > 0; n--) {
    s += randomPiece(rng);
    if (rng.chance(0.7)) s += rng.chance(0.8) ? " " : rng.pick(P.WHITESPACE);
  }
  return s;
}

// Returns the unique test strings for tokenizer `name`; `addedTokens` are the contents of its added tokens.
export function buildCorpus(name, addedTokens, target = 2400) {
  const rng = makeRng(hashString(name));
  const cases = [...familyCases(name), ...fixedCases(), ...contractionCases(), ...whitespaceCases(),
    ...numberCases(rng), ...longCases(rng), ...specialCases(rng, addedTokens), ...randomCodePoints(rng, 300)];
  const seen = new Set();
  const out = [];
  const add = (s) => { if (!seen.has(s)) { seen.add(s); out.push(s); } };
  cases.forEach(add);
  while (out.length < target) add(randomMix(rng, rng.chance(0.9) ? 8 : 40));
  return out;
}
