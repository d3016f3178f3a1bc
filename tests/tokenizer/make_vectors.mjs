// CTest fixture: writes real tokenizer files and expected ids (from @huggingface/tokenizers) for the C++ tokenizer tests.
// Usage: node make_vectors.mjs --out DIR
import fs from "node:fs";
import path from "node:path";
import { NAMES, makeReference } from "./reference_tokenizer.mjs";
import { buildCorpus } from "./corpus.mjs";

function parseOut(argv) {
  const i = argv.indexOf("--out");
  if (i < 0 || !argv[i + 1]) {
    console.error("usage: make_vectors.mjs --out DIR");
    process.exit(2);
  }
  return argv[i + 1];
}

function writeTokenizerFiles(ref, name, dir) {
  const json = path.join(dir, "tokenizer.json");
  if (name === "deepseek_r1") fs.writeFileSync(json, JSON.stringify(ref.tokenizerJson));
  else fs.copyFileSync(path.join(ref.dir, "tokenizer.json"), json);
  fs.copyFileSync(path.join(ref.dir, "tokenizer_config.json"), path.join(dir, "tokenizer_config.json"));
}

// Encodes every corpus string; strings the reference throws on are left out and reported.
function makeLines(ref, corpus) {
  const lines = [];
  const excluded = [];
  let roundTripDiffs = 0;
  for (const text of corpus) {
    try {
      const ids = ref.encode(text, true);
      const idsNoSpecial = ref.encode(text, false);
      const decoded = ref.decode(idsNoSpecial);
      if (decoded !== text) roundTripDiffs++;
      lines.push(JSON.stringify({ text, ids, ids_no_special: idsNoSpecial, decoded }));
    } catch (e) {
      excluded.push({ text, error: String(e && e.message ? e.message : e) });
    }
  }
  return { lines, excluded, roundTripDiffs };
}

function main() {
  const out = parseOut(process.argv.slice(2));
  const manifest = [];
  for (const name of NAMES) {
    const t0 = process.hrtime.bigint();
    const dir = path.join(out, name);
    fs.mkdirSync(dir, { recursive: true });
    const ref = makeReference(name);
    writeTokenizerFiles(ref, name, dir);
    const corpus = buildCorpus(name, ref.tokenizerJson.added_tokens.map((t) => t.content));
    const { lines, excluded, roundTripDiffs } = makeLines(ref, corpus);
    fs.writeFileSync(path.join(dir, "expected.jsonl"), lines.join("\n") + "\n");
    const bytes = corpus.reduce((n, s) => n + Buffer.byteLength(s, "utf8"), 0);
    manifest.push({ name, strings: lines.length, file: `${name}/expected.jsonl`, bos_eos_from_config: ref.bosFromConfig });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    console.log(`${name}: ${lines.length} strings, ${bytes} bytes, ${excluded.length} excluded, ` +
      `${roundTripDiffs} decode!=text, ${(ms / 1000).toFixed(2)} s`);
    for (const x of excluded) console.log(`  excluded ${JSON.stringify(x.text).slice(0, 80)}: ${x.error}`);
  }
  fs.writeFileSync(path.join(out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
}

main();
