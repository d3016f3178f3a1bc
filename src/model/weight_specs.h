// The one name table: every checkpoint tensor of a config with its Hugging Face and GGUF names,
// shape, role and the place in the weight tree it binds to. The single source of truth for loading
// and viewing weights, the parameter layout, `r1 init` and `r1 info` size math.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "core/weight_matrix.h"
#include "model/config.h"
#include "model/weights.h"

namespace r1 {

enum class WeightRole {
  Embedding,  // token embedding table (one row read per token)
  Linear,     // a projection inside a decoder layer (fp8-quantised in FP8 checkpoints)
  Expert,     // a routed expert's projection (only K of E are read per token)
  Head,       // lm_head / MTP shared head
  Vector,     // norms, biases, router bias (kept in f32 / bf16, never fp8)
  Router,     // MoE gate weight [E, D] (never fp8)
  MtpLinear,  // eh_proj (never fp8)
};

// A tensor's name in llama.cpp's GGUF files and, for its stacked expert tensors
// (ffn_{gate,up,down}_exps, [E, out, in]), the expert's index along the first dimension.
struct GgufName {
  std::string name;  // "blk.3.attn_kv_a_mqa.weight"
  int64_t expert = -1;
  // The main model's tensor that stands in when a file leaves this one out, as llama.cpp reads
  // an MTP block's optional nextn.embed_tokens (token_embd) and nextn.shared_head_head (output);
  // empty for every other tensor.
  std::string shared = {};
};

struct WeightSpec {
  std::string name;  // Hugging Face: "model.layers.3.self_attn.kv_a_proj_with_mqa.weight"
  Shape shape;
  WeightRole role;
  bool mtp = false;  // belongs to a multi-token-prediction layer
  GgufName gguf;
};

// Where a tensor binds in a ModelWeights tree: exactly one of tensor and matrix is set.
struct WeightSlot {
  Tensor* tensor = nullptr;        // embeddings (stored dtype); norms, biases, router (f32)
  WeightMatrix* matrix = nullptr;  // projections, in their stored dtype
  // kv_b_proj of MLA layer `split_layer`: read per head by row ranges, so kept in the stored
  // layout; a file may give it instead as llama.cpp's split (mla_split_specs) into split_k and
  // split_v. -1 for every other tensor.
  int64_t split_layer = -1;
  Linear* split_k = nullptr;
  Linear* split_v = nullptr;
};

// Calls visit(spec, slot) for every tensor of the config in checkpoint order, the slot pointing
// into `tree`, which it shapes first (layers, experts, MTP modules, is_moe, has_shared). A tree
// already shaped for the config (a loaded model) keeps its tensors, so the visit also reads one.
// A tied head has no tensor of its own: the caller points lm_head at the embedding.
void visit_weights(const ModelConfig& c, ModelWeights& tree,
                   const std::function<void(const WeightSpec&, const WeightSlot&)>& visit);

// The specs alone, in the same order.
std::vector<WeightSpec> weight_specs(const ModelConfig& c);

// Prefix of decoder layer i: "model.layers.{i}."
std::string layer_prefix(int64_t layer);

// The layer a spec belongs to, from its name: i for "model.layers.{i}." (MTP layers count on
// from num_hidden_layers), -1 for the embedding, the final norm and the head.
int64_t spec_layer(const WeightSpec& spec);
// Whether `part` holds the spec's tensor: a decoder layer in its range, or one of the ends
// (embedding, final norm, head, MTP layers) when it holds those.
bool part_holds(const ModelConfig& c, const ModelPart& part, const WeightSpec& spec);

// kv_b_proj as llama.cpp's newer GGUF layout stores it (attn_k_b / attn_v_b), split per head:
// "self_attn.k_b_proj.weight" [H, kv_lora_rank, qk_nope_head_dim] (W_uk transposed) and
// "self_attn.v_b_proj.weight" [H, v_head_dim, kv_lora_rank] (W_uv), in place of kv_b_proj.
std::vector<WeightSpec> mla_split_specs(const ModelConfig& c, int64_t layer);

}  // namespace r1
