// Per-layer key/value cache storage that attention blocks read and write. MLA caches only the
// normalised latent and the roped shared key ([kv_lora_rank + qk_rope_head_dim] per token);
// GQA caches keys and values per kv head.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/tensor.h"
#include "model/config.h"
#include "model/weights.h"

namespace r1 {

struct LayerCache {
  Tensor k;  // MLA: [ctx, kv_lora_rank + rope] (latent | k_pe); GQA: [ctx, Hkv, head_dim]
  Tensor v;  // GQA only: [ctx, Hkv, head_dim]
};

// The other layers' caches of a pipeline's caches, held by its later stages (other processes):
// told of every copy between caches and of every cache's end. A cache's length and capacity reach them with
// each forward pass, so truncating and growing need no message of their own.
class CacheMirror {
 public:
  virtual ~CacheMirror() = default;
  // dst (capacity dst_capacity) is cut to dst_pos tokens, then src's tokens
  // [src_pos, src_pos + n) are appended to it.
  virtual void copied(int64_t dst, int64_t dst_capacity, int64_t dst_pos, int64_t src,
                      int64_t src_pos, int64_t n) = 0;
  // The cache `id` is gone; called from destructors, so it must not fail.
  virtual void released(int64_t id) noexcept = 0;
};

// A cache's id in its mirror (move-only: one cache, one mirror); none by default.
class MirrorId {
 public:
  MirrorId() = default;
  MirrorId(std::shared_ptr<CacheMirror> mirror, int64_t id) : mirror_(std::move(mirror)), id_(id) {}
  MirrorId(MirrorId&& o) noexcept : mirror_(std::move(o.mirror_)), id_(o.id_) { o.id_ = -1; }
  MirrorId& operator=(MirrorId&& o) noexcept;
  MirrorId(const MirrorId&) = delete;
  MirrorId& operator=(const MirrorId&) = delete;
  ~MirrorId();

  CacheMirror* mirror() const { return mirror_.get(); }
  int64_t id() const { return id_; }

 private:
  std::shared_ptr<CacheMirror> mirror_;
  int64_t id_ = -1;
};

struct KvCache {
  int64_t capacity = 0;            // tokens
  int64_t length = 0;              // tokens already written (main layers)
  int64_t mtp_length = 0;          // positions already written in the MTP layers
  std::vector<LayerCache> layers;  // main layers, then MTP layers (empty where not held)
  MirrorId mirror;                 // the later stages' part of this cache (a pipeline's rank 0)

  // Preallocates `capacity` tokens for every layer `part` holds (main layers in its range, the
  // MTP layers with its ends); the others stay empty.
  static KvCache create(const ModelConfig& c, int64_t capacity, const ModelPart& part = {});
  // f32 bytes this cache stores per token, main layers only.
  static int64_t bytes_per_token(const ModelConfig& c);
  // f32 bytes per token of a naive cache of the same model, main layers only: MLA models as
  // Hugging Face transformers caches them, full per-head keys and values
  // (num_heads x (qk_nope + qk_rope + v_head_dim) per layer); GQA models the same as ours.
  static int64_t naive_bytes_per_token(const ModelConfig& c);

  // Bytes allocated: capacity tokens of every layer, MTP layers included.
  int64_t allocated_bytes() const;

  // Copies the first n tokens of every layer from src (same model and at least n capacity)
  // and sets length to n: a shared prompt is computed once and then forked. The mirror, if
  // any, copies its part too.
  void copy_prefix_from(const KvCache& src, int64_t n);
  // Appends src's tokens [src_pos, src_pos + n) of every layer at `length` (capacity for them
  // needed): a prefix assembled from cached blocks, a block cut from a sequence's cache. The
  // MTP layers' positions follow where this cache's were complete and src's cover them.
  void append_from(const KvCache& src, int64_t src_pos, int64_t n);
  // Forgets every token from position n on (n <= length): the next token is written at n.
  void truncate(int64_t n);
  // Grows the capacity to at least `tokens`, keeping what is written; never shrinks.
  void reserve(int64_t tokens);
};

}  // namespace r1
