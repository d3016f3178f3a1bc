// Views of a training buffer (parameters, or gradients of the same layout) shaped like the
// model: the training forward/backward of each block reads its parameters from one view and
// adds its gradients into a second view built the same way over the gradient buffer.
#pragma once

#include <cstdint>
#include <vector>

#include "model/config.h"

namespace r1 {

class ParamLayout;

struct LinearParams {  // y = x W^T (+ b)
  float* w = nullptr;  // [out, in]
  float* b = nullptr;  // [out], nullptr when the layer has no bias
  int64_t out = 0, in = 0;
};

struct MlpParams {  // SwiGLU: down(silu(gate x) * up x)
  LinearParams gate, up, down;
};

struct MoeParams {
  float* router = nullptr;      // [E, D]
  float* score_bias = nullptr;  // [E] (noaux_tc): a rule-updated buffer, its gradient unused
  std::vector<MlpParams> experts;
  MlpParams shared;  // valid when has_shared
  bool has_shared = false;
};

struct MlaParams {
  LinearParams q_proj;              // q_lora_rank == 0
  LinearParams q_a_proj, q_b_proj;  // q_lora_rank > 0
  float* q_a_norm = nullptr;        // [q_lora_rank]
  LinearParams kv_a_proj;           // [kv_lora_rank + rope, D]
  float* kv_a_norm = nullptr;       // [kv_lora_rank]
  LinearParams kv_b_proj;           // [H * (nope + v), kv_lora_rank]
  LinearParams o_proj;              // [D, H * v]
};

struct GqaParams {
  LinearParams q, k, v, o;
};

struct BlockParams {
  float* attn_norm = nullptr;  // [D]
  float* mlp_norm = nullptr;   // [D]
  MlaParams mla;               // DeepSeek
  GqaParams gqa;               // Qwen2 / Llama
  bool is_moe = false;
  MlpParams mlp;
  MoeParams moe;
};

struct MtpParams {
  float* embed = nullptr;  // [V, D]
  float* enorm = nullptr;  // [D]
  float* hnorm = nullptr;  // [D]
  LinearParams eh_proj;    // [D, 2D]
  BlockParams block;
  float* head_norm = nullptr;  // [D]
  float* head = nullptr;       // [V, D]
};

struct TrainWeights {
  float* embed = nullptr;  // [V, D]
  std::vector<BlockParams> layers;
  float* final_norm = nullptr;  // [D]
  float* lm_head = nullptr;     // [V, D]; == embed when tie_word_embeddings
  std::vector<MtpParams> mtp;
};

// y [T, out] = x [T, in] W^T (+ b), the product in the current ComputeScope's type
// (model/train_matmul.h).
void linear_params_forward(const LinearParams& p, const float* x, int64_t T, float* y);
// Backward of linear_params_forward, ADDED into grads (same layer in the gradient view) and dx
// [T, in] (nullptr: not needed).
void linear_params_backward(const LinearParams& p, const float* x, const float* dy, int64_t T,
                            const LinearParams& grads, float* dx);

// The model-shaped view of `base` (a buffer of `layout`, parameters or gradients).
TrainWeights train_weights_view(const ModelConfig& c, const ParamLayout& layout, float* base);

}  // namespace r1
