// ParamLayout: weight_specs(c) packed into one f32 buffer; loading and viewing it as tensors.
#include "model/param_layout.h"

#include <algorithm>

#include "core/error.h"
#include "core/weight_matrix.h"
#include "kernels/cpu/dequant.h"
#include "model/weight_specs.h"

namespace r1 {

namespace {

constexpr int64_t kAlignFloats = 16;  // 64 bytes

bool is_rule_updated_buffer(const std::string& name) {
  const std::string suffix = "e_score_correction_bias";
  return name.size() >= suffix.size() &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

ParamLayout::ParamLayout(const ModelConfig& c)
    : fp8_block_rows_(c.fp8_block_rows), fp8_block_cols_(c.fp8_block_cols) {
  for (const WeightSpec& spec : weight_specs(c)) {
    ParamEntry e;
    e.name = spec.name;
    e.shape = spec.shape;
    e.offset = total_;
    e.numel = shape_numel(spec.shape);
    e.trainable = !is_rule_updated_buffer(spec.name);
    e.weight_decay = e.trainable && spec.shape.size() >= 2;
    total_ += (e.numel + kAlignFloats - 1) / kAlignFloats * kAlignFloats;
    entries_.push_back(std::move(e));
  }
}

bool ParamLayout::has(const std::string& name) const {
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const ParamEntry& e) { return e.name == name; });
}

const ParamEntry& ParamLayout::at(const std::string& name) const {
  for (const ParamEntry& e : entries_)
    if (e.name == name) return e;
  R1_ASSERT_MSG(false, "ParamLayout: no parameter named like this");
  return entries_.front();
}

Tensor make_param_buffer(const ParamLayout& layout) {
  return Tensor::zeros(DType::F32, {layout.total()});
}

void load_params(const ParamLayout& layout, const TensorSource& source, float* params) {
  for (const ParamEntry& e : layout.entries()) {
    const Tensor t = source.get_shaped(e.name, e.shape);
    float* out = params + e.offset;
    if (t.dtype == DType::F8_E4M3) {
      const std::string scale_name = e.name + "_scale_inv";
      if (!source.has(scale_name))
        throw FormatError(source.where(e.name) + ": FP8 weight without '" + scale_name + "'");
      WeightMatrix W;
      W.w = t;
      W.block_rows = layout.fp8_block_rows();
      W.block_cols = layout.fp8_block_cols();
      W.scale_inv = to_f32(source.get_shaped(
          scale_name, {(W.rows() + W.block_rows - 1) / W.block_rows,
                       (W.cols() + W.block_cols - 1) / W.block_cols}));
      dequantize_rows(W, 0, t.dim(0), out);
    } else {
      const Tensor f = to_f32(t);
      std::copy_n(f.f32(), e.numel, out);
    }
  }
}

std::vector<std::pair<std::string, Tensor>> param_tensors(const ParamLayout& layout,
                                                          const float* params) {
  std::vector<std::pair<std::string, Tensor>> out;
  out.reserve(layout.entries().size());
  for (const ParamEntry& e : layout.entries())
    out.emplace_back(e.name, Tensor::view(DType::F32, e.shape, params + e.offset, nullptr));
  return out;
}

}  // namespace r1
