// Size math from the weight list.
#include "model/size_math.h"

#include "model/kv_cache.h"

namespace r1 {

SizeReport size_report(const ModelConfig& c,
                       const std::function<int64_t(const WeightSpec&)>& stored_bytes) {
  SizeReport r;
  const double expert_fraction =
      c.n_routed_experts > 0 ? double(c.num_experts_per_tok) / double(c.n_routed_experts) : 0.0;
  for (const WeightSpec& s : weight_specs(c)) {
    const int64_t n = shape_numel(s.shape);
    if (s.mtp) {
      r.params_mtp += n;
      continue;
    }
    const int64_t bytes = stored_bytes(s);
    r.params_total += n;
    r.weight_bytes += bytes;
    switch (s.role) {
      case WeightRole::Expert:
        r.params_active += int64_t(double(n) * expert_fraction);
        r.params_matmul += int64_t(double(n) * expert_fraction);
        r.bytes_per_token += int64_t(double(bytes) * expert_fraction);
        break;
      case WeightRole::Embedding:
        r.params_active += n;
        if (c.tie_word_embeddings) r.params_matmul += n;
        // One row is gathered; a tied head reads the whole table again.
        r.bytes_per_token += bytes / s.shape[0] + (c.tie_word_embeddings ? bytes : 0);
        break;
      case WeightRole::Vector:
        r.params_active += n;
        r.bytes_per_token += bytes;
        break;
      default:
        r.params_active += n;
        r.params_matmul += n;
        r.bytes_per_token += bytes;
    }
  }
  r.kv_bytes_per_token = KvCache::bytes_per_token(c);
  return r;
}

}  // namespace r1
