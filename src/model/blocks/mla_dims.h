// The head and latent sizes of an MLA layer under the short names the MLA code uses.
#pragma once

#include <cstdint>

#include "model/config.h"

namespace r1 {

struct MlaDims {
  int64_t D, H, nope, rope, qhd, vd, lora, ckv, q_lora;  // ckv = lora + rope
  explicit MlaDims(const ModelConfig& c)
      : D(c.hidden_size),
        H(c.num_attention_heads),
        nope(c.qk_nope_head_dim),
        rope(c.qk_rope_head_dim),
        qhd(c.q_head_dim()),
        vd(c.v_head_dim),
        lora(c.kv_lora_rank),
        ckv(c.kv_lora_rank + c.qk_rope_head_dim),
        q_lora(c.q_lora_rank) {}
};

}  // namespace r1
