// Writes the tiny chat model the serve client tests run `r1 serve` on: a tokenizer trained on
// the test corpus carrying DeepSeek-R1's real chat template, and a random tiny V3 checkpoint.
// Usage: node make_model.mjs --r1 BIN --corpus corpus.txt --out DIR
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { r1: { type: "string" }, corpus: { type: "string" }, out: { type: "string" } },
});
if (!values.r1 || !values.corpus || !values.out) {
  console.error("usage: node make_model.mjs --r1 BIN --corpus corpus.txt --out DIR");
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const config = JSON.parse(readFileSync(
  join(here, "../chat_template/templates/deepseek_r1/tokenizer_config.json"), "utf8"));
rmSync(values.out, { recursive: true, force: true });
mkdirSync(values.out, { recursive: true });
const template = join(values.out, "r1.jinja");
writeFileSync(template, config.chat_template);
const run = args => execFileSync(values.r1, args, { stdio: "inherit" });
run(["tokenizer", "train", "--quiet", "--vocab-size", "600", "--corpus", values.corpus,
     "--chat-template", template, "--out", join(values.out, "tok")]);
run(["init", "--preset", "tiny", "--out", join(values.out, "tiny-r1"),
     "--tokenizer", join(values.out, "tok")]);
console.log(`model: ${join(values.out, "tiny-r1")}`);
