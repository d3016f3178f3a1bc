// `r1 chat`: an interactive conversation with a chat model. Each turn renders the whole
// conversation with the model's chat template, streams the reply, shows the reasoning dimmed
// (or hides it with --hide-think) and keeps only the answer in the history, as R1's template
// expects. One Session keeps the KV cache across turns, so a turn prefills only the tokens after
// the prefix it shares with the cache. Slash commands: /reset, /think, /stats, /exit, /help.
// Under mpirun the model is a pipeline: rank 0 reads stdin (mpirun gives it only to rank 0) and
// holds the first layers, the other ranks their layers, until the conversation ends.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "chat/chat_template.h"
#include "chat/reasoning_parser.h"
#include "checkpoint/model_dir.h"
#include "cli/commands.h"
#include "cli/pipeline_flag.h"
#include "cli/sampling_flags.h"
#include "core/error.h"
#include "core/si_units.h"
#include "infer/pipeline.h"
#include "infer/session.h"

namespace r1::cli {

namespace {

constexpr int64_t kDefaultCtxSize = 4096;

struct ChatArgs {
  std::string model, system, pipeline_layers;
  int64_t max_tokens = 4096;
  int64_t ctx_size = 0;  // 0: kDefaultCtxSize, at most the model's max_position_embeddings
  bool hide_think = false, verbose = false;
  SamplingParams sampling;
  int threads = 0;
};

constexpr const char* kDim = "\x1b[2m";
constexpr const char* kReset = "\x1b[0m";

void print(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fflush(stdout);
}

// A note on stderr, dimmed on a terminal.
void note(const std::string& s, bool color) {
  const std::string line = color ? std::string(kDim) + s + kReset + "\n" : s + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

// Streams one reply: reasoning dimmed (or hidden), the answer plain. Returns the answer.
std::string reply(Session& session, const GenerationRequest& req, bool forced, bool hide,
                  bool color, TurnStats& stats) {
  ReasoningParser parser(forced);
  std::string answer;
  bool dimmed = false, noted = false;
  auto show = [&](const ReasoningDelta& d) {
    if (!d.reasoning.empty() && hide && !noted) {
      print(color ? std::string(kDim) + "[thinking]" + kReset + "\n" : "[thinking]\n");
      noted = true;
    } else if (!d.reasoning.empty() && !hide) {
      if (color && !dimmed) print(kDim), dimmed = true;
      print(d.reasoning);
    }
    if (!d.content.empty()) {
      if (dimmed) print(kReset), dimmed = false;
      print(d.content);
      answer += d.content;
    }
  };
  session.generate(
      req, [&](int, const std::string& text) { show(parser.push(text)); }, &stats);
  show(parser.finish());
  if (dimmed) print(kReset);
  print("\n");
  return answer;
}

double rate(int64_t tokens, double seconds) {
  return seconds > 0 ? double(tokens) / seconds : 0.0;
}

std::string turn_summary(const TurnStats& s) {
  char buf[256];
  std::snprintf(
      buf, sizeof buf,
      "prompt %lld tokens: %lld reused from the KV cache, %lld prefilled (%.1f tokens/s); "
      "%lld generated (%.1f tokens/s)",
      (long long)s.prompt_tokens, (long long)s.reused_tokens, (long long)s.prefilled_tokens,
      rate(s.prefilled_tokens, s.prefill_seconds), (long long)s.generated_tokens,
      rate(s.generated_tokens, s.decode_seconds));
  return buf;
}

std::string cache_summary(const Session& session) {
  const KvCache& c = session.cache();
  return "kv cache: " + std::to_string(c.length) + " of " + std::to_string(session.max_context()) +
         " tokens (--ctx-size), " + std::to_string(c.capacity) + " allocated, " +
         si_units(double(c.allocated_bytes()), "B");
}

int64_t context_size(const ChatArgs& a, const ModelConfig& c) {
  const int64_t max_pos = c.max_position_embeddings;
  if (a.ctx_size == 0) return max_pos > 0 ? std::min(kDefaultCtxSize, max_pos) : kDefaultCtxSize;
  if (a.ctx_size < 1)
    throw UsageError("--ctx-size must be >= 1, got " + std::to_string(a.ctx_size));
  if (max_pos > 0 && a.ctx_size > max_pos)
    throw UsageError("--ctx-size " + std::to_string(a.ctx_size) +
                     " exceeds the model's max_position_embeddings " + std::to_string(max_pos));
  return a.ctx_size;
}

void run_chat(const ChatArgs& a, Comm& world) {
  apply_threads(a.threads);
  const ModelDir dir = ModelDir::open(a.model);
  const Tokenizer& tok = dir.require_tokenizer("chat reads and writes text");
  const ChatTemplate& chat = dir.require_chat_template();
  auto model = load_inference_model(dir, world, a.pipeline_layers);
  if (!model) return;  // a later pipeline stage: it served its layers until the chat ended
  Session session(*model, &tok, dir.stop_ids(), context_size(a, model->config()));
  const bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
  bool hide = a.hide_think;
  OrderedJson messages = OrderedJson::array();
  TurnStats last;
  bool answered = false;
  auto reset = [&] {
    messages = OrderedJson::array();
    if (!a.system.empty()) messages.push_back({{"role", "system"}, {"content", a.system}});
    session.clear();
  };
  reset();
  std::fprintf(stderr,
               "r1 chat (%s template, context %lld tokens): /reset, /think (show/hide reasoning), "
               "/stats, /exit\n",
               chat_family_name(chat.family()), (long long)session.max_context());
  std::string line;
  for (;;) {
    if (tty) print("> ");
    if (!std::getline(std::cin, line)) break;
    if (line.empty()) continue;
    if (line == "/exit" || line == "/quit") break;
    if (line == "/reset") {
      reset();
      std::fprintf(stderr, "conversation cleared\n");
      continue;
    }
    if (line == "/think") {
      hide = !hide;
      std::fprintf(stderr, "reasoning %s\n", hide ? "hidden" : "shown");
      continue;
    }
    if (line == "/stats") {
      if (answered) std::fprintf(stderr, "last turn: %s\n", turn_summary(last).c_str());
      std::fprintf(stderr, "%s\n", cache_summary(session).c_str());
      continue;
    }
    if (line == "/help" || line[0] == '/') {
      std::fprintf(stderr,
                   "commands: /reset (new conversation), /think (show/hide reasoning), "
                   "/stats (KV-cache reuse and speed), /exit\n");
      continue;
    }
    messages.push_back({{"role", "user"}, {"content", line}});
    GenerationRequest req;
    req.prompt = tok.encode(chat.render_prompt(messages, nullptr, true), false);
    req.sampling = a.sampling;
    req.max_tokens = a.max_tokens;
    std::string answer;
    try {
      answer = reply(session, req, chat.forces_think(), hide, tty, last);
    } catch (const ContextFullError& e) {
      messages.erase(messages.size() - 1);
      std::fprintf(stderr,
                   "context full: %s; /reset starts a new conversation, or restart with "
                   "a larger --ctx-size\n",
                   e.what());
      continue;
    }
    answered = true;
    messages.push_back({{"role", "assistant"}, {"content", answer}});
    std::fprintf(stderr, "[%lld tokens, %.1f tokens/s]\n", (long long)last.generated_tokens,
                 rate(last.generated_tokens, last.decode_seconds));
    if (last.context_full)
      std::fprintf(stderr,
                   "the reply was cut: the context of %lld tokens is full; /reset starts a "
                   "new conversation, or restart with a larger --ctx-size\n",
                   (long long)session.max_context());
    if (a.verbose) note(turn_summary(last) + "; " + cache_summary(session), tty);
  }
}

}  // namespace

void add_chat(CLI::App& app, Comm& world) {
  auto args = std::make_shared<ChatArgs>();
  CLI::App* cmd = app.add_subcommand("chat", "Interactive chat with a model (reads stdin)");
  cmd->add_option("--model", args->model, "checkpoint directory or .gguf file")->required();
  cmd->add_option("--system", args->system, "system prompt");
  cmd->add_option("-n,--max-tokens", args->max_tokens, "tokens per reply at most (default 4096)");
  cmd->add_option("-c,--ctx-size", args->ctx_size,
                  "tokens of the whole conversation the KV cache holds at most (default 4096, at "
                  "most the model's max_position_embeddings); allocated as it grows");
  cmd->add_flag("--hide-think", args->hide_think, "do not show the reasoning (toggle: /think)");
  cmd->add_flag("-v,--verbose", args->verbose,
                "after each reply, the prompt tokens reused from the KV cache and prefilled");
  add_sampling_flags(cmd, args->sampling);
  add_threads_flag(cmd, args->threads);
  add_pipeline_flag(cmd, args->pipeline_layers);
  cmd->callback([args, &world] { run_chat(*args, world); });
}

}  // namespace r1::cli
