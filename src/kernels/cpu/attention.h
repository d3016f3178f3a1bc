// Causal scaled-dot-product attention with grouped key/value heads (MHA, GQA and MQA).
#pragma once

#include <cstdint>

namespace r1 {

struct AttentionShape {
  int64_t T;         // queries
  int64_t S;         // keys visible to the last query (keys 0..S-1)
  int64_t H;         // query heads
  int64_t Hk;        // key/value heads; H % Hk == 0, query head h reads kv head h / (H / Hk)
  int64_t dk;        // query/key head dim
  int64_t dv;        // value head dim
  int64_t pos0;      // absolute position of query 0; query t sees keys 0..pos0 + t
  int64_t q_stride;  // floats between consecutive tokens in q (>= H * dk)
  int64_t k_stride;  // floats between consecutive tokens in k (>= Hk * dk)
  int64_t v_stride;  // floats between consecutive tokens in v (>= Hk * dv)
};

// q: [T, H, dk], k: [S, Hk, dk], v: [S, Hk, dv] (with the strides above), out: [T, H, dv].
void attention_causal(const float* q, const float* k, const float* v, float* out,
                      const AttentionShape& s, float scale);

}  // namespace r1
