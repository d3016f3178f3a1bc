// The one weight tree of a model, for inference and training alike: bound from a checkpoint's
// tensors (projections keep their stored dtype as views into the mmapped file; norms, biases and
// the router in f32) or, by weights_view, from the training parameter or gradient buffer.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/weight_matrix.h"
#include "model/config.h"
#include "model/tensor_source.h"

namespace r1 {

class ParamLayout;

struct Linear {
  WeightMatrix weight;  // [out, in]
  Tensor bias;          // [out] f32, undefined when the layer has none
  const float* bias_ptr() const { return bias.defined() ? bias.f32() : nullptr; }
};

struct MlpWeights {  // SwiGLU: down(silu(gate x) * up x)
  Linear gate, up, down;
};

struct MoeWeights {
  Tensor router;      // [E, D] f32
  Tensor score_bias;  // [E] f32 (noaux_tc only)
  std::vector<MlpWeights> experts;
  MlpWeights shared;  // present when n_shared_experts > 0
  bool has_shared = false;
};

struct MlaWeights {
  Linear q_proj;              // q_lora_rank == 0
  Linear q_a_proj, q_b_proj;  // q_lora_rank > 0
  Tensor q_a_norm;            // [q_lora_rank]
  Linear kv_a_proj;           // [kv_lora_rank + rope, D]
  Tensor kv_a_norm;           // [kv_lora_rank]
  Linear kv_b_proj;           // [H * (nope + v), kv_lora_rank]; undefined when split:
  Linear k_b, v_b;            // llama.cpp's split: [H * kv_lora_rank, nope], [H * v, kv_lora_rank]
  Linear o_proj;              // [D, H * v]
};

struct GqaWeights {
  Linear q, k, v, o;
};

struct BlockWeights {
  Tensor attn_norm, mlp_norm;  // [D] f32
  MlaWeights mla;              // DeepSeek
  GqaWeights gqa;              // Qwen2 / Llama
  bool is_moe = false;
  MlpWeights mlp;
  MoeWeights moe;
};

struct MtpWeights {
  Tensor embed;  // [V, D] stored dtype
  Tensor enorm, hnorm;
  Linear eh_proj;  // [D, 2D]
  BlockWeights block;
  Tensor head_norm;
  WeightMatrix head;  // [V, D]
};

struct ModelWeights {
  Tensor embed;  // [V, D] stored dtype
  std::vector<BlockWeights> layers;
  Tensor final_norm;
  WeightMatrix lm_head;  // [V, D]; the embedding when tied
  std::vector<MtpWeights> mtp;
};

// The part of a model one process holds: decoder layers [first, end) and, with `ends`, the
// embedding, the final norm, the head and the MTP layers. A pipeline stage holds a part; the
// default is the whole model.
struct ModelPart {
  int64_t first = 0;
  int64_t end = std::numeric_limits<int64_t>::max();
  bool ends = true;
  bool holds_layer(int64_t layer) const { return layer >= first && layer < end; }
};

// Loads and validates every tensor that weight_specs(c) names: presence, shape, a dtype the
// kernels read (F32, BF16, F16, F8_E4M3 with its `weight_scale_inv` block scales, Q8_0, Q4_0).
// An MLA layer may give kv_b_proj split as mla_split_specs names it. Throws FormatError naming
// the file and tensor. Only `part`'s tensors are read; the others' slots stay empty.
ModelWeights load_weights(const ModelConfig& c, const TensorSource& source,
                          const ModelPart& part = {});

// The same tree over a buffer of `layout` (the training parameters, or their gradients): f32 views
// of the buffer, no copies, so a step's updates are what the next forward reads.
ModelWeights weights_view(const ModelConfig& c, const ParamLayout& layout, float* base,
                          const std::string& label);

// A tensor of a weights_view as the buffer it views, for the backward to add gradients into.
inline float* buffer_f32(const Tensor& t) {
  return static_cast<float*>(t.data);
}

// Copies embedding rows (any float dtype) into out [n, D] f32.
void embedding_rows(const Tensor& table, const int32_t* tokens, int64_t n, float* out);

}  // namespace r1
