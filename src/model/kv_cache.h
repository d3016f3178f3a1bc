// Per-layer key/value cache storage that attention blocks read and write. MLA caches only the
// normalised latent and the roped shared key ([kv_lora_rank + qk_rope_head_dim] per token);
// GQA caches keys and values per kv head.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "model/config.h"

namespace r1 {

struct LayerCache {
  Tensor k;  // MLA: [ctx, kv_lora_rank + rope] (latent | k_pe); GQA: [ctx, Hkv, head_dim]
  Tensor v;  // GQA only: [ctx, Hkv, head_dim]
};

struct KvCache {
  int64_t capacity = 0;            // tokens
  int64_t length = 0;              // tokens already written (main layers)
  int64_t mtp_length = 0;          // positions already written in the MTP layers
  std::vector<LayerCache> layers;  // main layers, then MTP layers

  // Preallocates `capacity` tokens for every main layer and every MTP layer.
  static KvCache create(const ModelConfig& c, int64_t capacity);
  // f32 bytes this cache stores per token, main layers only.
  static int64_t bytes_per_token(const ModelConfig& c);
  // f32 bytes per token of a naive cache of the same model, main layers only: MLA models as
  // Hugging Face transformers caches them, full per-head keys and values
  // (num_heads x (qk_nope + qk_rope + v_head_dim) per layer); GQA models the same as ours.
  static int64_t naive_bytes_per_token(const ModelConfig& c);

  // Bytes allocated: capacity tokens of every layer, MTP layers included.
  int64_t allocated_bytes() const;

  // Copies the first n tokens of every layer from src (same model and at least n capacity)
  // and sets length to n: a shared prompt is computed once and then forked.
  void copy_prefix_from(const KvCache& src, int64_t n);
  // Forgets every token from position n on (n <= length): the next token is written at n.
  void truncate(int64_t n);
  // Grows the capacity to at least `tokens`, keeping what is written; never shrinks.
  void reserve(int64_t tokens);
};

}  // namespace r1
