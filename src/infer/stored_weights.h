// Bytes of a loaded model's weights as stored in its checkpoint (what is memory-mapped).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "model/model.h"
#include "model/weight_specs.h"

namespace r1 {

// One weight of the spec list as stored: the tensor, or for kv_b_proj a GGUF's split k_b_proj
// and v_b_proj (llama.cpp's MLA layout), plus FP8 scales. dtype_counts (optional) counts the
// stored tensors per dtype name.
int64_t stored_weight_bytes(const TensorSource& tensors, const WeightSpec& spec,
                            std::map<std::string, int>* dtype_counts = nullptr);

// The main model's weights as stored, MTP layers excluded (they are mapped but only read by
// speculative decoding): those of the part it holds (a pipeline stage's).
int64_t stored_model_bytes(const Model& model);

}  // namespace r1
