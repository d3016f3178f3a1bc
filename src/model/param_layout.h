// The trainable tensors of a checkpoint as one f32 buffer: every tensor of weight_specs(c) at a
// fixed offset, so parameters, gradients and AdamW moments share one layout and zero-grad, the
// optimizer step, clipping and save are one loop each.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "model/config.h"
#include "model/tensor_source.h"

namespace r1 {

struct ParamEntry {
  std::string name;  // Hugging Face name, as in the checkpoint
  Shape shape;
  int64_t offset = 0;  // in floats from the buffer start (a multiple of 16: 64-byte aligned)
  int64_t numel = 0;
  bool trainable = true;     // false: a buffer updated by a rule (e_score_correction_bias)
  bool weight_decay = true;  // false for 1-D tensors (norms, biases) by default
};

class ParamLayout {
 public:
  // Every tensor of weight_specs(c), in that order.
  explicit ParamLayout(const ModelConfig& c);

  const std::vector<ParamEntry>& entries() const { return entries_; }
  int64_t total() const { return total_; }  // floats in a buffer of this layout
  bool has(const std::string& name) const;
  // The entry named `name`; R1_ASSERT when absent (names come from weight_specs, not users).
  const ParamEntry& at(const std::string& name) const;
  // FP8 checkpoints: the weight_scale_inv block size, to dequantise on load.
  int64_t fp8_block_rows() const { return fp8_block_rows_; }
  int64_t fp8_block_cols() const { return fp8_block_cols_; }

 private:
  std::vector<ParamEntry> entries_;
  int64_t total_ = 0;
  int64_t fp8_block_rows_ = 128, fp8_block_cols_ = 128;
};

// A zeroed, 64-byte aligned f32 buffer [layout.total()].
Tensor make_param_buffer(const ParamLayout& layout);

// Reads every tensor of the layout from a checkpoint into params [layout.total()], converting
// any stored float dtype (FP8 with its block scales) to f32. FormatError naming the file and
// tensor when one is missing or has another shape.
void load_params(const ParamLayout& layout, const TensorSource& source, float* params);

// The layout's tensors as f32 views of params (not copies), in layout order, for
// write_safetensors.
std::vector<std::pair<std::string, Tensor>> param_tensors(const ParamLayout& layout,
                                                          const float* params);

}  // namespace r1
