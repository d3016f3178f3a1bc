// MTP speculation loop. Invariants at the top of each step: the main cache holds positions
// 0..n-1, `hidden` holds h_p for the positions the MTP cache still lacks (mtp_length..n-1),
// `next` is the greedy token for position n (decided, not yet run through the main model).
#include "infer/speculative.h"

#include <algorithm>
#include <chrono>

#include "core/error.h"
#include "infer/sample_stream.h"
#include "infer/sampler.h"

namespace r1 {

std::vector<int32_t> generate_speculative(const Model& model, const std::vector<int32_t>& prompt,
                                          int64_t max_tokens, const std::vector<int32_t>& stop_ids,
                                          SpeculativeStats* stats,
                                          const std::function<void(int32_t)>& on_token,
                                          const Tokenizer* tokenizer) {
  const ModelConfig& c = model.config();
  if (c.num_nextn_predict_layers == 0)
    throw Error("speculative decoding needs a checkpoint with an MTP layer");
  if (prompt.empty() || max_tokens < 1) throw UsageError("speculative decoding: empty request");
  const int64_t V = c.vocab_size, D = c.hidden_size, ids = sampleable_ids(V, tokenizer);
  KvCache cache = model.new_cache(int64_t(prompt.size()) + max_tokens + 2);
  SpeculativeStats st;
  using Clock = std::chrono::steady_clock;
  const auto since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };

  const auto t0 = Clock::now();
  Tensor hidden;  // [rows, D]: h_p for positions mtp_length..n-1
  Tensor logits = model.forward(prompt, 0, &cache, &hidden);
  st.prefill_seconds = since(t0);
  const auto t1 = Clock::now();
  std::vector<int32_t> out;
  // `pending` are the tokens whose MTP rows are still missing: row p needs t_{p+1}.
  std::vector<int32_t> pending(prompt.begin() + 1, prompt.end());
  int32_t next = argmax(logits.f32() + (logits.dim(0) - 1) * V, ids);
  auto emit = [&](int32_t t) {
    out.push_back(t);
    if (on_token) on_token(t);
    return int64_t(out.size()) >= max_tokens ||
           std::find(stop_ids.begin(), stop_ids.end(), t) != stop_ids.end();
  };
  if (emit(next)) {
    if (stats) *stats = st;
    return out;
  }
  for (;;) {
    // Draft: the MTP rows for positions mtp_length..n-1; the last one predicts position n+1.
    pending.push_back(next);
    const Tensor draft_logits = model.mtp_forward(pending, hidden.f32(), cache.mtp_length, &cache);
    const int32_t draft = argmax(draft_logits.f32() + (draft_logits.dim(0) - 1) * V, ids);
    ++st.drafted;
    // Verify: run (next, draft) through the main model at positions n, n+1.
    const int64_t n = cache.length;
    Tensor h2;
    const Tensor verify = model.forward({next, draft}, n, &cache, &h2);  // [2, V]
    ++st.main_passes;
    const int32_t at_n1 = argmax(verify.f32(), ids);
    if (at_n1 == draft) {
      ++st.accepted;
      const int32_t at_n2 = argmax(verify.f32() + V, ids);
      if (emit(draft) || emit(at_n2)) break;
      hidden = h2;              // h_n, h_{n+1}
      pending = {draft};        // row n needs t_{n+1} = draft; row n+1 gets `next` below
      next = at_n2;
    } else {
      cache.length = n + 1;  // drop the rejected draft's position
      if (emit(at_n1)) break;
      hidden = Tensor::zeros(DType::F32, {1, D});
      std::copy_n(h2.f32(), D, hidden.f32());  // h_n
      pending.clear();
      next = at_n1;
    }
  }
  st.decode_seconds = since(t1);
  if (stats) *stats = st;
  return out;
}

}  // namespace r1
