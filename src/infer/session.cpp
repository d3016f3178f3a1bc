// Multi-turn decoding with prefix reuse: truncate the cache to the common prefix, prefill the
// rest, then decode one token per step, growing the cache up to the context size.
#include "infer/session.h"

#include <algorithm>
#include <chrono>

#include "infer/prefix_cache.h"

namespace r1 {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

Session::Session(const Model& model, const Tokenizer* tokenizer, std::vector<int32_t> stop_ids,
                 int64_t max_context)
    : model_(model),
      tokenizer_(tokenizer),
      stop_ids_(std::move(stop_ids)),
      max_context_(max_context),
      cache_(model.new_cache(0)) {
  if (max_context < 1)
    throw UsageError("the context size must be >= 1 token, got " + std::to_string(max_context));
}

void Session::clear() {
  cache_.truncate(0);
  tokens_.clear();
}

void Session::fit(int64_t tokens) {
  R1_ASSERT(tokens <= max_context_);
  if (tokens > cache_.capacity)
    cache_.reserve(std::min(max_context_, std::max(tokens, 2 * cache_.capacity)));
}

Completion Session::generate(const GenerationRequest& r, const TextCallback& on_text,
                             TurnStats* stats) {
  validate_request(r, tokenizer_);
  if (r.n != 1)
    throw UsageError("a session decodes one sample per turn, got n = " + std::to_string(r.n));
  const int64_t P = int64_t(r.prompt.size()), V = model_.config().vocab_size;
  if (P > max_context_)
    throw ContextFullError("the conversation is " + std::to_string(P) +
                           " tokens, more than the context size of " +
                           std::to_string(max_context_) + " tokens");
  // The last prompt token is always fed again: its logits give the first reply token.
  const int64_t reused = std::min(common_prefix(tokens_, r.prompt), P - 1);
  cache_.truncate(reused);
  tokens_.resize(size_t(reused));

  TurnStats st;
  st.prompt_tokens = P;
  st.reused_tokens = reused;
  st.prefilled_tokens = P - reused;
  const auto t0 = Clock::now();
  fit(P);
  const std::vector<int32_t> fresh(r.prompt.begin() + reused, r.prompt.end());
  Tensor logits = model_.forward_batch({{fresh, &cache_}}, false);  // [1, V]
  tokens_ = r.prompt;
  st.prefill_seconds = seconds_since(t0);

  const auto t1 = Clock::now();
  std::vector<int32_t> stop_ids = stop_ids_;
  stop_ids.insert(stop_ids.end(), r.stop_tokens.begin(), r.stop_tokens.end());
  std::optional<TokenConstraint> constraint = request_constraint(r, tokenizer_, trie_, stop_ids);
  SampleStream stream(r.sampling, tokenizer_, r.stop_strings, std::move(stop_ids), r.max_tokens,
                      std::move(constraint));
  stream.observe_prompt(r.prompt);
  auto show = [&](const std::string& text) {
    if (on_text && !text.empty()) on_text(0, text);
  };
  const int64_t sampleable = sampleable_ids(V, tokenizer_);
  show(stream.sample(logits.f32(), sampleable));
  while (!stream.done()) {
    if (cache_.length == max_context_) {
      st.context_full = true;
      show(stream.finish("length"));
      break;
    }
    const int32_t next = stream.last_token();
    fit(cache_.length + 1);
    logits = model_.forward_batch({{{next}, &cache_}}, false);  // [1, V]
    tokens_.push_back(next);
    show(stream.sample(logits.f32(), sampleable));
  }
  st.generated_tokens = int64_t(stream.completion().tokens.size());
  st.decode_seconds = seconds_since(t1);
  if (stats) *stats = st;
  return stream.take();
}

}  // namespace r1
