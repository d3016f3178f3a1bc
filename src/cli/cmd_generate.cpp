// `r1 generate`: completes a text prompt (or prompt token ids) with the model, streaming the
// text of a single sample; several samples of one prompt are decoded together in one batch.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "chat/chat_template.h"
#include "checkpoint/model_dir.h"
#include "cli/commands.h"
#include "cli/pipeline_flag.h"
#include "cli/sampling_flags.h"
#include "cli/token_list.h"
#include "core/error.h"
#include "infer/generator.h"
#include "infer/json_schema_grammar.h"
#include "io/file_io.h"
#include "infer/pipeline.h"
#include "infer/speculative.h"
#include "io/gguf_model_file.h"
#include "tokenizer/gguf_vocab.h"

namespace r1::cli {

namespace {

struct GenerateArgs {
  std::string model, prompt, tokens;
  int64_t max_tokens = 256;
  int samples = 1;
  bool no_bos = false, speculative = false, chat = false;
  std::string system, pipeline_layers, json_schema;
  bool json_object = false;
  std::vector<std::string> stop;
  SamplingParams sampling;
  int threads = 0;
};

void print_stats(const GenerationStats& s) {
  std::fflush(stdout);
  std::fprintf(stderr,
               "prompt: %lld tokens in %.3f s (%.1f tokens/s); generated: %lld tokens in %.3f s "
               "(%.1f tokens/s)\n",
               (long long)s.prompt_tokens, s.prefill_seconds,
               s.prefill_seconds > 0 ? double(s.prompt_tokens) / s.prefill_seconds : 0.0,
               (long long)s.generated_tokens, s.decode_seconds,
               s.decode_seconds > 0 ? double(s.generated_tokens) / s.decode_seconds : 0.0);
}

// Greedy MTP speculation: same tokens as plain greedy decoding, fewer main-model passes.
void run_speculative(const GenerateArgs& a, const Model& model, const Tokenizer* tok,
                     const std::vector<int32_t>& stop_ids, const GenerationRequest& req) {
  if (a.samples != 1 || a.sampling.temperature != 0.0f || !a.stop.empty())
    throw UsageError("--speculative decodes one greedy sample: use --temperature 0, no --samples "
                     "or --stop");
  std::optional<StreamingDecoder> decoder;  // text for a --prompt, ids for --tokens (as plain)
  if (tok && !a.prompt.empty()) decoder.emplace(*tok, true);
  SpeculativeStats st;
  const auto tokens = generate_speculative(
      model, req.prompt, req.max_tokens, stop_ids, &st,
      [&](int32_t id) {
        if (!decoder) return;
        const std::string s = decoder->push(id);
        std::fwrite(s.data(), 1, s.size(), stdout);
        std::fflush(stdout);
      },
      tok);
  if (decoder) {
    std::printf("%s\n", decoder->flush().c_str());
  } else {
    std::printf("generated:");
    for (int32_t id : tokens) std::printf(" %d", id);
    std::printf("\n");
  }
  print_stats({int64_t(req.prompt.size()), int64_t(tokens.size()), st.prefill_seconds,
               st.decode_seconds});
  std::fprintf(stderr, "speculative: MTP drafts accepted %lld/%lld (%.1f%%), %lld main passes after "
                       "the prompt\n",
               (long long)st.accepted, (long long)st.drafted,
               st.drafted ? 100.0 * double(st.accepted) / double(st.drafted) : 0.0,
               (long long)st.main_passes);
}

// --json / --json-schema FILE: the grammar the output follows (null: free text).
std::shared_ptr<const ByteGrammar> output_grammar(const GenerateArgs& a) {
  if (a.json_object && !a.json_schema.empty()) throw UsageError("give --json or --json-schema");
  if (a.json_object) return json_object_grammar();
  if (a.json_schema.empty()) return nullptr;
  const std::string text = read_file(a.json_schema);
  OrderedJson schema;
  try {
    schema = OrderedJson::parse(text);
  } catch (const std::exception& e) {
    throw UsageError(a.json_schema + " is not JSON: " + e.what());
  }
  return json_schema_grammar(schema);
}

void run_generate(const GenerateArgs& a, Comm& world) {
  if (a.prompt.empty() == a.tokens.empty())
    throw UsageError("give exactly one of --prompt TEXT and --tokens IDS");
  apply_threads(a.threads);
  std::shared_ptr<const ByteGrammar> grammar = output_grammar(a);  // a bad schema fails first
  const ModelDir dir = ModelDir::open(a.model);
  const Tokenizer* tok = dir.tokenizer();
  if (!tok && !a.prompt.empty())
    throw UsageError(a.model + " has no tokenizer: give the prompt as --tokens IDS");
  const auto model = load_inference_model(dir, world, a.pipeline_layers);
  if (!model) return;  // a later pipeline stage: it served its layers until rank 0 was done

  GenerationRequest req;
  if (a.chat) {
    if (a.prompt.empty()) throw UsageError("--chat needs --prompt TEXT");
    OrderedJson messages = OrderedJson::array();
    if (!a.system.empty()) messages.push_back({{"role", "system"}, {"content", a.system}});
    messages.push_back({{"role", "user"}, {"content", a.prompt}});
    // The template writes the BOS and every special token itself; none is matched in the
    // prompt's own text.
    req.prompt = tok->encode(dir.require_chat_template().render_prompt(messages), false);
  } else {
    req.prompt = a.tokens.empty() ? tok->encode(a.prompt, !a.no_bos) : parse_token_list(a.tokens);
  }
  req.n = a.samples;
  req.sampling = a.sampling;
  req.max_tokens = a.max_tokens;
  req.stop_strings = a.stop;
  if (grammar) {
    if (a.speculative) throw UsageError("--speculative does not take --json or --json-schema");
    req.structured = StructuredOutput{std::move(grammar), a.chat};
  }
  Generator gen(*model, tok, dir.stop_ids());

  if (a.speculative) return run_speculative(a, *model, tok, dir.stop_ids(), req);
  const bool stream = a.samples == 1 && tok && !a.prompt.empty();
  GenerationStats stats;
  const auto done = gen.generate(
      req,
      [&](int, const std::string& text) {
        if (!stream) return;
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fflush(stdout);
      },
      &stats);
  for (size_t i = 0; i < done.size(); ++i) {
    const Completion& c = done[i];
    if (stream) {
      std::printf("\n");
    } else if (!a.prompt.empty()) {
      std::printf("--- sample %zu (%s, %zu tokens) ---\n%s\n", i, c.finish_reason.c_str(),
                  c.tokens.size(), c.text.c_str());
    } else {
      std::printf("generated:");
      for (int32_t id : c.tokens) std::printf(" %d", id);
      std::printf("\n");
    }
  }
  print_stats(stats);
}

}  // namespace

void add_generate(CLI::App& app, Comm& world) {
  auto args = std::make_shared<GenerateArgs>();
  CLI::App* cmd = app.add_subcommand("generate", "Complete a prompt (text or token ids)");
  cmd->add_option("--model", args->model, "checkpoint directory or .gguf file")->required();
  cmd->add_option("--prompt", args->prompt, "prompt text (encoded with the model's tokenizer)");
  cmd->add_option("--tokens", args->tokens, "prompt token ids instead of text, e.g. 0,17,3");
  cmd->add_option("-n,--max-tokens", args->max_tokens, "tokens to generate at most (default 256)");
  cmd->add_option("--samples", args->samples, "samples of the prompt, decoded as one batch");
  cmd->add_option("--stop", args->stop, "stop string (repeatable)");
  cmd->add_flag("--no-bos", args->no_bos, "do not add the tokenizer's BOS to --prompt");
  cmd->add_flag("--chat", args->chat,
                "wrap --prompt as a user turn with the model's chat template (R1: the reply "
                "starts inside <think>)");
  cmd->add_option("--system", args->system, "system prompt for --chat");
  cmd->add_flag("--json", args->json_object, "the output is a JSON object (constrained sampling)");
  cmd->add_option("--json-schema", args->json_schema,
                  "the output is JSON valid against this JSON Schema file (after </think> when "
                  "the reply reasons)");
  cmd->add_flag("--speculative", args->speculative,
                "greedy MTP self-speculative decoding (DeepSeek-V3 checkpoints with an MTP layer)");
  add_sampling_flags(cmd, args->sampling);
  add_threads_flag(cmd, args->threads);
  add_pipeline_flag(cmd, args->pipeline_layers);
  cmd->callback([args, &world] { run_generate(*args, world); });
}

}  // namespace r1::cli
