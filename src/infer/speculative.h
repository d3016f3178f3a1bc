// Greedy self-speculative decoding with DeepSeek-V3's multi-token-prediction module: the MTP
// layer drafts the token after next, one main-model pass over (next, draft) verifies it, and an
// accepted draft yields two tokens for one pass. The output is exactly plain greedy decoding.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace r1 {

struct SpeculativeStats {
  int64_t drafted = 0, accepted = 0;  // acceptance rate = accepted / drafted
  int64_t main_passes = 0;            // decode passes of the main model after the prefill
  double prefill_seconds = 0;         // the prompt's pass (which decides the first token)
  double decode_seconds = 0;          // every later pass, MTP drafts included
};

// Greedy continuation of `prompt` by up to max_tokens tokens, stopping after any of stop_ids.
// on_token (optional) sees each token as it is decided. With a tokenizer, drafts and tokens are
// chosen among its ids only, as plain decoding samples (sampleable_ids: never the embedding's
// padding rows). Throws Error without an MTP layer.
std::vector<int32_t> generate_speculative(const Model& model, const std::vector<int32_t>& prompt,
                                          int64_t max_tokens, const std::vector<int32_t>& stop_ids,
                                          SpeculativeStats* stats,
                                          const std::function<void(int32_t)>& on_token = {},
                                          const Tokenizer* tokenizer = nullptr);

}  // namespace r1
