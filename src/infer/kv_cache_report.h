// KV-cache bytes per token of a model as r1 caches it and as a naive cache would, with the
// layout behind each number, for `r1 info` and `r1 bench`.
#pragma once

#include <cstdint>
#include <string>

#include "model/config.h"

namespace r1 {

struct KvCacheSizes {
  int64_t bytes_per_token = 0;        // as cached: MLA latent + rope key, GQA keys + values
  int64_t naive_bytes_per_token = 0;  // full per-head keys and values (transformers' cache)
  std::string layout;                 // "f32 latent + rope key: (512 + 64) x 61 layers"
  std::string naive_layout;           // "f32 keys + values: 128 heads x (192 + 128) x 61 layers"
  double naive_ratio() const { return double(naive_bytes_per_token) / double(bytes_per_token); }
};

KvCacheSizes kv_cache_sizes(const ModelConfig& c);

// The two lines r1 info and r1 bench print, the first after `label`, the second indented as much:
//   140.54 KB per token (f32 latent + rope key: (512 + 64) x 61 layers)
//   naive: 9.99 MB per token (f32 per-head keys + values: ...), 71.1x the cached size
std::string kv_cache_summary(const ModelConfig& c, const std::string& label);

}  // namespace r1
