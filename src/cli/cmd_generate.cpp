// `r1 generate`: greedy decoding from prompt token ids through the KV cache (the MLA latent
// cache for DeepSeek models), printing the generated ids. Text prompts, sampling and batching
// come with the tokenizer and inference engine.
#include <chrono>
#include <cstdio>

#include "cli/commands.h"
#include "cli/token_list.h"
#include "core/error.h"
#include "model/model.h"

namespace r1::cli {

namespace {

struct GenerateArgs {
  std::string model, tokens;
  int64_t n = 16;
};

int32_t argmax(const float* v, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (v[i] > v[best]) best = i;
  return int32_t(best);
}

void run_generate(const GenerateArgs& a) {
  const std::vector<int32_t> prompt = parse_token_list(a.tokens);
  if (a.n < 0 || a.n > 1000000)
    throw UsageError("-n must be in [0, 1000000], got " + std::to_string(a.n));
  auto model = Model::load(a.model);
  const int64_t V = model->config().vocab_size;
  KvCache cache = KvCache::create(model->config(), int64_t(prompt.size()) + a.n);
  const auto t0 = std::chrono::steady_clock::now();
  Tensor logits = model->forward(prompt, 0, &cache);
  const auto t1 = std::chrono::steady_clock::now();
  int32_t next = argmax(logits.f32() + (logits.dim(0) - 1) * V, V);
  std::printf("generated:");
  for (int64_t i = 0; i < a.n; ++i) {
    std::printf(" %d", next);
    std::fflush(stdout);
    if (i + 1 == a.n) break;
    logits = model->forward({next}, cache.length, &cache);
    next = argmax(logits.f32(), V);
  }
  const auto t2 = std::chrono::steady_clock::now();
  const double prefill_s = std::chrono::duration<double>(t1 - t0).count();
  const double decode_s = std::chrono::duration<double>(t2 - t1).count();
  std::printf("\nprompt %zu tokens in %.3f s, %lld new tokens in %.3f s (%.1f tokens/s)\n",
              prompt.size(), prefill_s, (long long)a.n, decode_s,
              a.n > 1 ? double(a.n - 1) / decode_s : 0.0);
}

}  // namespace

void add_generate(CLI::App& app) {
  auto args = std::make_shared<GenerateArgs>();
  CLI::App* cmd = app.add_subcommand("generate", "Greedy decoding from prompt token ids");
  cmd->add_option("--model", args->model, "checkpoint directory")->required();
  cmd->add_option("--tokens", args->tokens, "prompt token ids, e.g. 0,17,3")->required();
  cmd->add_option("-n", args->n, "tokens to generate (default 16)");
  cmd->callback([args] { run_generate(*args); });
}

}  // namespace r1::cli
