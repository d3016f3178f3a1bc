// Per-token KV-cache sizes and their description.
#include "infer/kv_cache_report.h"

#include <cstdio>

#include "core/si_units.h"
#include "model/kv_cache.h"

namespace r1 {

using namespace std::string_literals;

namespace {
std::string str(int64_t v) {
  return std::to_string(v);
}
}  // namespace

KvCacheSizes kv_cache_sizes(const ModelConfig& c) {
  KvCacheSizes s;
  s.bytes_per_token = KvCache::bytes_per_token(c);
  s.naive_bytes_per_token = KvCache::naive_bytes_per_token(c);
  const std::string layers = " x "s + str(c.num_hidden_layers) + " layers";
  if (c.is_deepseek()) {
    s.layout = "f32 latent + rope key: ("s + str(c.kv_lora_rank) + " + " + str(c.qk_rope_head_dim) +
               ")" + layers;
    s.naive_layout = "f32 per-head keys + values: "s + str(c.num_attention_heads) + " heads x (" +
                     str(c.qk_nope_head_dim + c.qk_rope_head_dim) + " + " + str(c.v_head_dim) +
                     ")" + layers;
  } else {
    s.layout = "f32 keys + values: 2 x "s + str(c.num_key_value_heads) + " kv heads x " +
               str(c.head_dim) + layers;
    s.naive_layout = "the same: transformers also caches one key and value per kv head";
  }
  return s;
}

std::string kv_cache_summary(const ModelConfig& c, const std::string& label) {
  const KvCacheSizes s = kv_cache_sizes(c);
  char ratio[32];
  std::snprintf(ratio, sizeof ratio, "%.1fx", s.naive_ratio());
  const std::string pad(label.size(), ' ');
  return label + si_units(double(s.bytes_per_token), "B") + " per token (" + s.layout + ")\n" +
         pad + "naive: " + si_units(double(s.naive_bytes_per_token), "B") + " per token (" +
         s.naive_layout + "), " + ratio + " the cached size\n";
}

}  // namespace r1
