// `r1 template`: renders a chat request ({"messages": [...], "tools": [...]}) read from stdin
// with a model directory's chat template and prints the prompt exactly, without a newline, or
// with --ids its token ids, special tokens matched only where the template wrote them.
#include <cstdio>
#include <memory>
#include <string>

#include "chat/chat_template.h"
#include "checkpoint/model_dir.h"
#include "cli/commands.h"
#include "cli/stdin_text.h"
#include "cli/token_list.h"
#include "core/error.h"
#include "tokenizer/tokenizer.h"

namespace r1::cli {

namespace {

struct TemplateArgs {
  std::string model;
  bool no_generation_prompt = false;
  bool ids = false;
};

void run_template(const TemplateArgs& a) {
  const ModelDir text = ModelDir::open_text(a.model);
  const ChatTemplate& chat = text.require_chat_template();
  const OrderedJson request = parse_ordered_json("stdin", read_all_stdin());
  if (!request.is_object() || !request.contains("messages"))
    throw FormatError(
        "stdin: expected a JSON object with \"messages\" (and optionally \"tools\", "
        "\"chat_template_kwargs\")");
  const OrderedJson none;
  const OrderedJson& tools = request.contains("tools") ? request["tools"] : none;
  const OrderedJson kwargs = request.contains("chat_template_kwargs")
                                 ? request["chat_template_kwargs"]
                                 : OrderedJson::object();
  const PromptText prompt =
      chat.render_prompt(request["messages"], tools, !a.no_generation_prompt, kwargs);
  // The template writes the BOS and every special token itself.
  const std::string out =
      a.ids ? ids_json(text.require_tokenizer("--ids encodes the prompt").encode(prompt, false))
            : prompt.text;
  std::fwrite(out.data(), 1, out.size(), stdout);
}

}  // namespace

void add_template(CLI::App& app) {
  auto args = std::make_shared<TemplateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "template",
      "Render a chat request from stdin ({\"messages\": [...], \"tools\": [...]}) "
      "with the model's chat template");
  cmd->add_option("--model", args->model, "model directory (tokenizer_config.json) or .gguf file")
      ->required();
  cmd->add_flag("--no-generation-prompt", args->no_generation_prompt,
                "do not append the assistant generation prompt");
  cmd->add_flag("--ids", args->ids,
                "print the prompt's token ids (a JSON array) instead of its text: special "
                "tokens are matched only where the template wrote them, never in message "
                "content (piping the text into `r1 tokenize` matches them everywhere)");
  cmd->callback([args] { run_template(*args); });
}

}  // namespace r1::cli
