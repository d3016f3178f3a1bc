// The decode specialisation of MLA: attention over the latent cache with kv_b_proj absorbed into
// the queries and outputs, and kv_b_proj as one f32 matrix for the paths that need it.
#pragma once

#include <cstdint>
#include <vector>

#include "core/weight_matrix.h"
#include "model/batch.h"
#include "model/blocks/mla_dims.h"
#include "model/config.h"
#include "model/weights.h"

namespace r1 {

// q: [N, H, qhd] (roped) -> attn: [N, H, v] over each span's cache rows 0..pos0+rows-1 (layer
// `layer`, already holding these rows): scores = (q_nope W_uk) . latent + q_pe . k_pe,
// output = (p . latent) W_uv^T.
void mla_attend_absorbed(const ModelConfig& c, const MlaWeights& w, float scale, const float* q,
                         int64_t N, const SeqSpans& spans, int64_t layer, float* attn);

// kv_b_proj as one matrix: the stored one, or (llama.cpp's split layout) rebuilt in f32 into
// `buf`, which must outlive the result.
WeightMatrix mla_kv_b_matrix(const MlaDims& d, const MlaWeights& w, std::vector<float>& buf);

}  // namespace r1
