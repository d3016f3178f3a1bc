// `r1 parse`: a model's raw output on stdin (as generated, special tokens as text) to the
// OpenAI assistant message (reasoning_content, content, tool_calls), with the parser the
// server uses and the tool-call format of the model's chat template.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "chat/tool_call_parser.h"
#include "checkpoint/model_dir.h"
#include "cli/commands.h"
#include "cli/stdin_text.h"
#include "core/error.h"
#include "io/file_io.h"

namespace r1::cli {

namespace {

struct ParseArgs {
  std::string model, format = "auto", tools;
  bool no_tools = false;
  uint64_t id_seed = 0;
};

// --tools: a list of OpenAI tool definitions, or a request object holding one as "tools".
std::vector<std::string> read_tool_names(const std::string& path) {
  const OrderedJson j = parse_ordered_json(path, read_file(path));
  const bool in_request = j.is_object() && j.contains("tools");
  if (!in_request && !j.is_array())
    throw FormatError(path + ": expected a list of tools or an object with \"tools\"");
  try {
    return tool_names(in_request ? j["tools"] : j);
  } catch (const FormatError& e) {
    throw FormatError(path + ": " + e.what());
  }
}

void run_parse(const ParseArgs& a) {
  const ModelDir text = ModelDir::open_text(a.model);
  const ChatTemplate& chat = text.require_chat_template();
  ToolCallOptions options;
  options.format = tool_call_format_from_flag(a.format, chat.family());
  options.think_forced = chat.forces_think();
  options.tools_enabled = !a.no_tools;
  if (!a.tools.empty()) options.tool_names = read_tool_names(a.tools);
  options.id_seed = a.id_seed;
  const AssistantMessage m = ToolCallParser::parse(read_all_stdin(), options);
  if (!m.error.empty()) throw FormatError("stdin: " + m.error);
  // Output bytes that are not UTF-8 (a model may emit them) become U+FFFD.
  const std::string out =
      assistant_message_json(m).dump(2, ' ', false, OrderedJson::error_handler_t::replace) + "\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
}

}  // namespace

void add_parse(CLI::App& app) {
  auto args = std::make_shared<ParseArgs>();
  CLI::App* cmd =
      app.add_subcommand("parse",
                         "Parse a model's raw output from stdin into the OpenAI assistant message "
                         "(reasoning_content, content, tool_calls)");
  cmd->add_option("--model", args->model, "model directory (tokenizer_config.json) or .gguf file")
      ->required();
  cmd->add_option(
         "--format", args->format,
         "tool-call format: auto (from the chat template), r1 (DeepSeek-V3/R1/R1-0528: "
         "function<｜tool▁sep｜>NAME and a ```json block) or v3.1 (NAME<｜tool▁sep｜>JSON)")
      ->capture_default_str();
  cmd->add_option("--tools", args->tools,
                  "JSON file with the request's tools (a list, or an object with \"tools\"): a "
                  "call to any other function is an error");
  cmd->add_flag("--no-tools", args->no_tools,
                "tools disabled (tool_choice \"none\"): tool-call markup is dropped from the "
                "content, no calls are reported");
  cmd->add_option("--id-seed", args->id_seed, "seed of the tool-call ids (call_...)")
      ->capture_default_str();
  cmd->callback([args] { run_parse(*args); });
}

}  // namespace r1::cli
