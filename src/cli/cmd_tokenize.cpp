// `r1 tokenize` and `r1 detokenize`: text <-> token ids with a model directory's tokenizer.json
// (or a GGUF file's tokenizer), reading stdin and writing JSON (one document, or one per line
// with --jsonl).
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "cli/stdin_text.h"
#include "cli/token_list.h"
#include "core/error.h"
#include "io/json_file.h"
#include "tokenizer/parallel.h"
#include "tokenizer/tokenizer.h"

namespace r1::cli {

namespace {

struct TokenizeArgs {
  std::string model;
  bool no_bos = false, jsonl = false;
  int threads = 0;  // --jsonl batch encoding; 0 = all cores
};

void write_stdout(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
}

std::vector<int32_t> parse_ids(const std::string& text, const std::string& where) {
  const Json j = parse_json(where, text.data(), text.data() + text.size());
  if (!j.is_array()) throw FormatError(where + ": expected a JSON array of token ids");
  std::vector<int32_t> ids;
  ids.reserve(j.size());
  for (const Json& v : j) {
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > INT32_MAX)
      throw FormatError(where + ": token ids must be non-negative integers");
    ids.push_back(int32_t(v.get<int64_t>()));
  }
  return ids;
}

// JSON string output that never throws on text (decode output is always valid UTF-8).
std::string json_string(const std::string& s) {
  return Json(s).dump();
}

// The lines of input, without their '\n'.
std::vector<std::string_view> split_lines(const std::string& input) {
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos < input.size();) {
    size_t end = input.find('\n', pos);
    if (end == std::string::npos) end = input.size();
    lines.emplace_back(input.data() + pos, end - pos);
    pos = end + 1;
  }
  return lines;
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

std::string line_name(size_t index) {
  return "stdin line " + std::to_string(index + 1);
}

// Calls fn(line, "stdin line N") for every non-blank line of `input`.
template <typename Fn>
void for_each_line(const std::string& input, Fn fn) {
  const std::vector<std::string_view> lines = split_lines(input);
  for (size_t i = 0; i < lines.size(); ++i)
    if (!is_blank(lines[i])) fn(std::string(lines[i]), line_name(i));
}

// Each non-blank line is parsed, encoded and formatted on the worker threads (all three cost
// about the same, so none may stay serial); the output is written in input order. The error of
// the first bad line is reported, whatever the threads.
void tokenize_jsonl(const Tokenizer& tok, const std::string& input, bool add_special, int threads) {
  const std::vector<std::string_view> lines = split_lines(input);
  std::vector<std::string> out(lines.size());
  tok::for_each_parallel(lines.size(), threads, [&](size_t i) {
    if (is_blank(lines[i])) return;
    const Json j = parse_json(line_name(i), lines[i].data(), lines[i].data() + lines[i].size());
    if (!j.is_string()) throw FormatError(line_name(i) + ": expected a JSON string");
    out[i] = ids_json(tok.encode(j.get_ref<const std::string&>(), add_special));
  });
  for (const std::string& s : out) write_stdout(s);
}

void run_tokenize(const TokenizeArgs& a) {
  const Tokenizer tok = Tokenizer::load(a.model);
  const std::string input = read_all_stdin();
  if (a.jsonl) return tokenize_jsonl(tok, input, !a.no_bos, a.threads);
  write_stdout(ids_json(tok.encode(input, !a.no_bos)));
}

void run_detokenize(const TokenizeArgs& a) {
  const Tokenizer tok = Tokenizer::load(a.model);
  const std::string input = read_all_stdin();
  if (!a.jsonl) {
    const std::string text = tok.decode(parse_ids(input, "stdin"));
    std::fwrite(text.data(), 1, text.size(), stdout);
    return;
  }
  for_each_line(input, [&](const std::string& line, const std::string& where) {
    write_stdout(json_string(tok.decode(parse_ids(line, where))) + "\n");
  });
}

}  // namespace

void add_tokenize(CLI::App& app) {
  auto args = std::make_shared<TokenizeArgs>();
  CLI::App* cmd = app.add_subcommand("tokenize", "Encode stdin text to a JSON array of token ids");
  cmd->add_option("--model", args->model, "directory with tokenizer.json, or a .gguf file")
      ->required();
  cmd->add_flag("--no-bos", args->no_bos, "do not add special tokens (BOS etc.)");
  cmd->add_flag("--jsonl", args->jsonl, "each stdin line is a JSON string; one id array per line");
  cmd->add_option("--threads", args->threads, "threads for --jsonl batches (default 0: all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([args] { run_tokenize(*args); });
}

void add_detokenize(CLI::App& app) {
  auto args = std::make_shared<TokenizeArgs>();
  CLI::App* cmd = app.add_subcommand("detokenize", "Decode a JSON array of token ids to text");
  cmd->add_option("--model", args->model, "directory with tokenizer.json, or a .gguf file")
      ->required();
  cmd->add_flag("--jsonl", args->jsonl, "each stdin line is an id array; one JSON string per line");
  cmd->callback([args] { run_detokenize(*args); });
}

}  // namespace r1::cli
