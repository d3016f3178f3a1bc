// KV cache allocation, forking, truncation and growth.
#include "model/kv_cache.h"

#include <algorithm>
#include <utility>

#include "core/error.h"

namespace r1 {

namespace {
int64_t floats_per_token_per_layer(const ModelConfig& c) {
  if (c.is_deepseek()) return c.kv_lora_rank + c.qk_rope_head_dim;
  return 2 * c.num_key_value_heads * c.head_dim;
}

// The same tensor with room for `tokens` rows and its first `keep` rows copied.
Tensor regrown(const Tensor& t, int64_t tokens, int64_t keep) {
  Shape shape = t.shape;
  shape[0] = 1;
  const int64_t per_token = shape_numel(shape);
  shape[0] = tokens;
  Tensor out = Tensor::zeros(t.dtype, shape);
  std::copy_n(t.f32(), keep * per_token, out.f32());
  return out;
}
}  // namespace

MirrorId& MirrorId::operator=(MirrorId&& o) noexcept {
  if (this != &o) {
    if (mirror_) mirror_->released(id_);
    mirror_ = std::move(o.mirror_);
    id_ = o.id_;
    o.id_ = -1;
  }
  return *this;
}

MirrorId::~MirrorId() {
  if (mirror_) mirror_->released(id_);
}

KvCache KvCache::create(const ModelConfig& c, int64_t capacity, const ModelPart& part) {
  KvCache cache;
  cache.capacity = capacity;
  const int64_t n = c.num_hidden_layers + (c.is_deepseek() ? c.num_nextn_predict_layers : 0);
  for (int64_t i = 0; i < n; ++i) {
    LayerCache lc;
    if (i < c.num_hidden_layers ? !part.holds_layer(i) : !part.ends) {
      cache.layers.push_back(std::move(lc));
      continue;
    }
    if (c.is_deepseek()) {
      lc.k = Tensor::zeros(DType::F32, {capacity, c.kv_lora_rank + c.qk_rope_head_dim});
    } else {
      lc.k = Tensor::zeros(DType::F32, {capacity, c.num_key_value_heads, c.head_dim});
      lc.v = Tensor::zeros(DType::F32, {capacity, c.num_key_value_heads, c.head_dim});
    }
    cache.layers.push_back(std::move(lc));
  }
  return cache;
}

int64_t KvCache::bytes_per_token(const ModelConfig& c) {
  return c.num_hidden_layers * floats_per_token_per_layer(c) * int64_t(sizeof(float));
}

int64_t KvCache::naive_bytes_per_token(const ModelConfig& c) {
  if (!c.is_deepseek()) return bytes_per_token(c);
  const int64_t per_layer =
      c.num_attention_heads * (c.qk_nope_head_dim + c.qk_rope_head_dim + c.v_head_dim);
  return c.num_hidden_layers * per_layer * int64_t(sizeof(float));
}

int64_t KvCache::allocated_bytes() const {
  int64_t bytes = 0;
  for (const LayerCache& l : layers)
    for (const Tensor* t : {&l.k, &l.v})
      if (t->defined()) bytes += int64_t(t->nbytes());
  return bytes;
}

void KvCache::copy_prefix_from(const KvCache& src, int64_t n) {
  truncate(0);
  append_from(src, 0, n);
}

void KvCache::append_from(const KvCache& src, int64_t src_pos, int64_t n) {
  R1_ASSERT(src_pos >= 0 && n >= 0 && src_pos + n <= src.length && length + n <= capacity &&
            layers.size() == src.layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    for (auto [dst, from] :
         {std::pair{&layers[i].k, &src.layers[i].k}, std::pair{&layers[i].v, &src.layers[i].v}}) {
      if (!from->defined() || from->numel() == 0) continue;
      const int64_t per_token = from->numel() / from->dim(0);
      std::copy_n(from->f32() + src_pos * per_token, n * per_token,
                  dst->f32() + length * per_token);
    }
  }
  if (CacheMirror* m = mirror.mirror()) {
    R1_ASSERT(src.mirror.mirror() == m);
    m->copied(mirror.id(), capacity, length, src.mirror.id(), src_pos, n);
  }
  if (mtp_length == length) mtp_length += std::clamp(src.mtp_length - src_pos, int64_t(0), n);
  length += n;
}

void KvCache::truncate(int64_t n) {
  R1_ASSERT(n >= 0 && n <= length);
  length = n;
  mtp_length = std::min(mtp_length, n);
}

void KvCache::reserve(int64_t tokens) {
  if (tokens <= capacity) return;
  const int64_t keep = std::max(length, mtp_length);
  for (LayerCache& l : layers) {
    if (!l.k.defined()) continue;  // a layer another pipeline stage holds
    l.k = regrown(l.k, tokens, keep);
    if (l.v.defined()) l.v = regrown(l.v, tokens, keep);
  }
  capacity = tokens;
}

}  // namespace r1
