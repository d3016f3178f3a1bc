// `r1 data tokenize`: training text to token files. JSONL documents ({"text": ...}, EOS after
// each) or a plain text file -> uint32 tokens (.bin); with --chat or --prompt-completion, SFT
// JSONL -> tokens + the SFT mask file (train/sft_data.h). Batches of lines are encoded on all
// cores; outputs are written atomically.
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chat/chat_template.h"
#include "checkpoint/model_dir.h"
#include "cli/commands.h"
#include "core/error.h"
#include "core/progress.h"
#include "io/file_io.h"
#include "io/json_file.h"
#include "tokenizer/parallel.h"
#include "tokenizer/tokenizer.h"
#include "train/chat_data.h"
#include "train/prompt_completion.h"
#include "train/sft_data.h"
#include "train/sft_jsonl.h"

namespace r1::cli {

namespace {

struct DataArgs {
  std::string model, input, out, field = "text", out_mask;
  bool chat = false, prompt_completion = false, quiet = false;
  int threads = 0;
};

// Lines are handed to the workers in batches of about this many bytes.
constexpr size_t kBatchBytes = 4 << 20;

void append_ids(const std::vector<int32_t>& ids, std::string& bytes) {
  for (int32_t v : ids) {
    const uint32_t id = uint32_t(v);
    for (int k = 0; k < 4; ++k) bytes.push_back(char((id >> (8 * k)) & 0xff));
  }
}

// Reads the input in batches: lines (without '\n') for JSONL, newline-ended chunks for text.
class BatchReader {
 public:
  explicit BatchReader(const std::string& path) : path_(path), in_(path, std::ios::binary) {
    if (!in_) throw IoError(path + ": cannot open");
  }
  // The next batch's lines; false at the end. first_line: the 1-based number of lines[0].
  bool next(std::vector<std::string>& lines, int64_t& first_line, size_t& bytes) {
    lines.clear();
    bytes = 0;
    first_line = line_no_ + 1;
    for (std::string line; bytes < kBatchBytes && std::getline(in_, line);) {
      bytes += line.size() + 1;
      ++line_no_;
      lines.push_back(std::move(line));
    }
    if (in_.bad()) throw IoError(path_ + ": read error");
    return !lines.empty();
  }

 private:
  std::string path_;
  std::ifstream in_;
  int64_t line_no_ = 0;
};

// One batch of {"<field>": text} lines -> ids with EOS after each document.
std::string encode_documents(const std::vector<std::string>& lines, int64_t first_line,
                             const DataArgs& a, const Tokenizer& tok, int32_t eos,
                             int64_t& documents) {
  std::vector<std::vector<int32_t>> ids(lines.size());
  std::vector<char> present(lines.size(), 0);
  tok::for_each_parallel(lines.size(), a.threads, [&](size_t i) {
    const std::string& line = lines[i];
    if (line.find_first_not_of(" \t\r") == std::string::npos) return;
    const std::string where = a.input + ":" + std::to_string(first_line + int64_t(i));
    const Json j = parse_json(where, line.data(), line.data() + line.size());
    if (!j.is_object() || !j.contains(a.field) || !j[a.field].is_string())
      throw FormatError(where + ": expected an object with a string field '" + a.field + "'");
    ids[i] = tok.encode(j[a.field].get_ref<const std::string&>(), false);
    ids[i].push_back(eos);
    present[i] = 1;
  });
  std::string bytes;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!present[i]) continue;
    append_ids(ids[i], bytes);
    ++documents;
  }
  return bytes;
}

// A plain text file as one document, encoded in chunks of about 64 KiB on all cores. A chunk
// ends only at a line break between a non-empty line and one that starts with a
// non-whitespace character: there the byte-level pre-tokenizers (DeepSeek-V3, Qwen2, Llama-3)
// make the newline a piece of its own, so the ids equal those of encoding the whole file.
class TextChunker {
 public:
  TextChunker(const Tokenizer& tok, int threads, bool file_ends_newline)
      : tok_(tok), threads_(threads), file_ends_newline_(file_ends_newline) {}

  // The ids of the complete chunks among `lines` (the rest waits for the next batch).
  std::string add(const std::vector<std::string>& lines, bool at_end) {
    std::vector<std::string> chunks;
    for (size_t i = 0; i < lines.size(); ++i) {
      const std::string& line = lines[i];
      const bool safe_cut =
          prev_nonempty_ && !line.empty() && !std::isspace(static_cast<unsigned char>(line[0]));
      if (safe_cut && current_.size() >= (64 << 10)) flush(chunks);
      current_ += line;
      if (!(at_end && i + 1 == lines.size()) || file_ends_newline_) current_ += '\n';
      prev_nonempty_ = !line.empty();
    }
    if (at_end && !current_.empty()) flush(chunks);
    std::string bytes;
    for (const std::vector<int32_t>& ids : tok_.encode_batch(chunks, false, threads_))
      append_ids(ids, bytes);
    return bytes;
  }

 private:
  void flush(std::vector<std::string>& chunks) {
    chunks.push_back(std::move(current_));
    current_.clear();
  }

  const Tokenizer& tok_;
  int threads_;
  bool file_ends_newline_;
  bool prev_nonempty_ = false;
  std::string current_;
};

bool ends_with_newline(const std::string& path, uintmax_t size) {
  if (size == 0) return false;
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(size - 1));
  return in.get() == '\n';
}

// The SFT format the flags ask for (nullopt: documents); every record must have it.
std::optional<SftFormatRule> sft_rule(const DataArgs& a) {
  if (a.chat && a.prompt_completion)
    throw UsageError("give one of --chat and --prompt-completion: a file holds one format");
  if (a.chat) return SftFormatRule{SftFormat::Chat, "--chat"};
  if (a.prompt_completion) return SftFormatRule{SftFormat::PromptCompletion, "--prompt-completion"};
  return std::nullopt;
}

void run_data_tokenize(const DataArgs& a) {
  const std::optional<SftFormatRule> sft = sft_rule(a);
  if (sft && a.out_mask.empty())
    throw UsageError(std::string(sft->source) + " needs --out-mask FILE.mask");
  if (!sft && !a.out_mask.empty())
    throw UsageError("--out-mask is only written with --chat or --prompt-completion");
  // The tokenizer, with the chat template or the EOS id that SFT records need.
  std::optional<ModelDir> plain;  // the model's text side for plain documents
  if (!sft) {
    plain = ModelDir::open_text(a.model);
    plain->require_tokenizer("documents are tokenized with it");
  }
  const SftModelText model = sft ? load_sft_model_text(a.model, sft->format)
                                 : SftModelText{plain->shared_tokenizer(), std::nullopt, -1};
  const Tokenizer& tok = *model.tok;
  const bool jsonl = sft || a.input.ends_with(".jsonl") || a.input.ends_with(".json");
  const int32_t eos = sft ? -1 : plain->eos_id();
  std::error_code ec;
  const auto total = std::filesystem::file_size(a.input, ec);
  if (ec) throw IoError(a.input + ": cannot read: " + ec.message());
  if (total == 0) throw FormatError(a.input + ": empty file, no documents");
  TextChunker text(tok, a.threads, ends_with_newline(a.input, total));

  AtomicFileWriter out(a.out);
  std::unique_ptr<AtomicFileWriter> mask_out;
  if (sft) mask_out = std::make_unique<AtomicFileWriter>(a.out_mask);
  Progress progress("tokenizing", int64_t(total), "MB", 1e6, !a.quiet);
  BatchReader reader(a.input);
  std::vector<std::string> lines;
  int64_t first_line = 0, documents = 0, tokens = 0, done = 0;
  size_t bytes_read = 0;
  while (reader.next(lines, first_line, bytes_read)) {
    done += int64_t(bytes_read);
    std::string token_bytes, mask_bytes;
    if (sft) {
      for (const ChatExample& ex :
           render_sft_lines(lines, a.input, first_line, *sft, model.renderer(), a.threads)) {
        append_sft_bytes(ex, token_bytes, mask_bytes);
        ++documents;
      }
    } else if (jsonl) {
      token_bytes = encode_documents(lines, first_line, a, tok, eos, documents);
    } else {
      token_bytes = text.add(lines, done >= int64_t(total));
    }
    out.write(token_bytes.data(), token_bytes.size());
    if (mask_out) mask_out->write(mask_bytes.data(), mask_bytes.size());
    tokens += int64_t(token_bytes.size() / 4);
    progress.update(done);
  }
  if (!jsonl) {
    const std::string eos_bytes = [&] {
      std::string b;
      append_ids({eos}, b);
      return b;
    }();
    out.write(eos_bytes.data(), eos_bytes.size());
    tokens += 1;
    documents = 1;
  }
  progress.finish();
  if (tokens == 0) throw FormatError(a.input + ": no documents");
  out.commit();
  if (mask_out) mask_out->commit();
  if (!a.quiet)
    std::fprintf(
        stderr, "%lld %s, %lld tokens -> %s%s%s\n", static_cast<long long>(documents),
        sft ? (std::string(sft_format_name(sft->format)) + " records").c_str() : "documents",
        static_cast<long long>(tokens), a.out.c_str(), sft ? " + " : "",
        sft ? a.out_mask.c_str() : "");
}

}  // namespace

void add_data(CLI::App& app) {
  CLI::App* data = app.add_subcommand("data", "Prepare training data");
  data->require_subcommand(1);
  auto a = std::make_shared<DataArgs>();
  CLI::App* cmd = data->add_subcommand(
      "tokenize",
      "Text (.jsonl documents or plain text) or SFT JSONL (--chat, --prompt-completion) -> "
      "uint32 tokens");
  cmd->add_option("--model", a->model,
                  "model directory (tokenizer.json, tokenizer_config.json) or .gguf file")
      ->required();
  cmd->add_option("--input", a->input,
                  "FILE.jsonl (one {\"text\": ...} per line) or a plain text file (one document)")
      ->required();
  cmd->add_option("--out", a->out, "output token file (little-endian uint32)")->required();
  cmd->add_option("--field", a->field, "JSONL field holding each document's text (default text)");
  cmd->add_flag("--chat", a->chat,
                "input is chat JSONL ({\"messages\": [...]}): render with the chat template");
  cmd->add_flag("--prompt-completion", a->prompt_completion,
                "input is prompt-completion JSONL ({\"prompt\": ..., \"completion\": ...}): the "
                "prompt with BOS, the completion and EOS, the loss on the completion");
  cmd->add_option("--out-mask", a->out_mask,
                  "with --chat / --prompt-completion: one byte per token, bit 0 = assistant token "
                  "(in the loss), "
                  "bit 1 = first token of a record");
  cmd->add_option("--threads", a->threads, "encoding threads (default 0: all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--quiet", a->quiet, "no progress or summary on stderr");
  cmd->callback([a] { run_data_tokenize(*a); });
}

}  // namespace r1::cli
