// Encode throughput of @huggingface/tokenizers (single-threaded JS), the peer the C++ tokenizer is compared against.
// Usage: node js_encode_bench.mjs --tokenizer DIR --text FILE [--seconds N] [--whole]
//   DIR holds tokenizer.json and tokenizer_config.json (e.g. a make_vectors.mjs output folder).
//   Lines are encoded one by one (default) or the file as one string (--whole); add_special_tokens=false.
import fs from "node:fs";
import path from "node:path";
import { Tokenizer } from "../../tests/tokenizer/node_modules/@huggingface/tokenizers/dist/tokenizers.mjs";

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function encodeAll(tok, inputs) {
  let tokens = 0;
  for (const s of inputs) tokens += tok.encode(s, { add_special_tokens: false }).ids.length;
  return tokens;
}

function main() {
  const dir = arg("--tokenizer", null);
  const file = arg("--text", null);
  if (!dir || !file) {
    console.error("usage: js_encode_bench.mjs --tokenizer DIR --text FILE [--seconds N] [--whole]");
    process.exit(2);
  }
  const seconds = Number(arg("--seconds", "5"));
  const read = (f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
  const tok = new Tokenizer(read("tokenizer.json"), read("tokenizer_config.json"));
  const text = fs.readFileSync(file, "utf8");
  const whole = process.argv.includes("--whole");
  const inputs = whole ? [text] : text.split("\n");
  const bytes = Buffer.byteLength(text, "utf8") - (whole ? 0 : inputs.length - 1); // newlines are not encoded

  // First pass is cold (empty BPE word cache); the steady state repeats passes until `seconds` have passed.
  let t0 = process.hrtime.bigint();
  const tokens = encodeAll(tok, inputs);
  const firstS = Number(process.hrtime.bigint() - t0) / 1e9;
  let passes = 0;
  let elapsed = 0;
  t0 = process.hrtime.bigint();
  while (passes === 0 || elapsed < seconds) {
    encodeAll(tok, inputs);
    passes++;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  console.log(JSON.stringify({
    mb_per_s: +((bytes * passes) / elapsed / 1e6).toFixed(3),
    tokens_per_s: Math.round((tokens * passes) / elapsed),
    bytes,
    tokens,
    first_pass_mb_per_s: +(bytes / firstS / 1e6).toFixed(3),
    passes,
    seconds: +elapsed.toFixed(3),
    mode: whole ? "whole" : "lines",
  }));
}

main();
