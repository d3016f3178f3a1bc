// Backward of attention_causal (MHA, GQA, MQA) for q, k and v.
#pragma once

#include <cstdint>

#include "kernels/cpu/attention.h"

namespace r1 {

// Gradients of out = attention_causal(q, k, v, s, scale) given dout: [T, H, dv] (contiguous),
// each ADDED to its buffer: dq has q's layout ([T, H, dk], row stride s.q_stride), dk k's
// ([S, Hk, dk], s.k_stride), dv v's ([S, Hk, dv], s.v_stride). The probabilities are recomputed
// from q and k (the forward saves nothing). The dk and dv of a kv head are summed over the query
// heads of its group; keys no query sees (index >= pos0 + T) get nothing.
void attention_causal_backward(const float* q, const float* k, const float* v, const float* dout,
                               float* dq, float* dk, float* dv, const AttentionShape& s,
                               float scale);

}  // namespace r1
