// Weight binding: every tensor weight_specs names, read and validated into its slot of the tree.
#include "model/weights.h"

#include <string>
#include <vector>

#include "core/error.h"
#include "core/mapped_file.h"
#include "kernels/cpu/dequant.h"
#include "kernels/cpu/gemv.h"
#include "model/param_source.h"
#include "model/weight_specs.h"

namespace r1 {

namespace {

// f32 tensors stay views of their source (a model over a trainer's parameter buffer follows
// its updates); other dtypes are converted once.
Tensor as_f32(const Tensor& t) {
  return t.dtype == DType::F32 ? t : to_f32(t);
}

bool is_readable(DType t) {
  return t == DType::F32 || t == DType::BF16 || t == DType::F16 || t == DType::F8_E4M3 ||
         t == DType::Q8_0 || t == DType::Q4_0 || t == DType::Q2_K || t == DType::Q3_K ||
         t == DType::Q4_K || t == DType::Q5_K || t == DType::Q6_K || t == DType::IQ4_XS;
}

class Loader {
 public:
  Loader(const ModelConfig& c, const TensorSource& source) : c_(c), source_(source) {}

  // Reads the tensor of `spec` into its slot: projections in the decode layout (kv_b_proj as
  // stored, or its per-head split where the file has that instead), 1-D tensors and the router
  // in f32, embeddings as stored.
  void bind(const WeightSpec& spec, const WeightSlot& slot) const {
    if (slot.split_layer >= 0 && !source_.has(spec.name)) {
      const std::vector<WeightSpec> split = mla_split_specs(c_, slot.split_layer);
      if (source_.has(split[0].name)) {
        *slot.split_k = split_linear(split[0]);
        *slot.split_v = split_linear(split[1]);
        return;
      }
    }
    const Tensor t = read(spec);
    if (slot.tensor) {
      const bool f32 = t.ndim() == 1 || spec.role == WeightRole::Router;
      *slot.tensor = f32 ? as_f32(t) : t;
    } else if (slot.split_layer >= 0) {
      *slot.matrix = matrix(spec.name, t);
    } else {
      *slot.matrix = decode_matrix(spec.name, t);
    }
  }

  [[noreturn]] void fail(const std::string& name, const std::string& what) const {
    throw FormatError(source_.where(name) + " " + what);
  }

 private:
  Tensor read(const WeightSpec& spec) const {
    Tensor t = source_.get_shaped(spec.name, spec.shape);
    if (!is_readable(t.dtype))
      fail(spec.name, std::string("has dtype ") + dtype_name(t.dtype) +
                          ", expected F32, BF16, F16, F8_E4M3, Q8_0, Q4_0, Q2_K..Q6_K or IQ4_XS");
    const bool projection = spec.role == WeightRole::Linear || spec.role == WeightRole::Expert ||
                            spec.role == WeightRole::Head || spec.role == WeightRole::MtpLinear;
    if (t.dtype == DType::F8_E4M3 && !projection)
      fail(spec.name, "is F8_E4M3 but only projection weights may be FP8");
    return t;
  }

  WeightMatrix matrix(const std::string& name, const Tensor& t) const {
    WeightMatrix m;
    m.w = t;
    if (m.w.dtype != DType::F8_E4M3) return m;
    m.block_rows = c_.fp8_block_rows;
    m.block_cols = c_.fp8_block_cols;
    const std::string scale_name = name + "_scale_inv";
    const Shape expected = {(m.rows() + m.block_rows - 1) / m.block_rows,
                            (m.cols() + m.block_cols - 1) / m.block_cols};
    if (!source_.has(scale_name))
      fail(name, "is F8_E4M3 but its block scales '" + scale_name + "' are missing");
    Tensor s = source_.get_shaped(scale_name, expected);
    if (s.dtype != DType::F32 && s.dtype != DType::BF16 && s.dtype != DType::F16)
      fail(scale_name, std::string("has dtype ") + dtype_name(s.dtype) + ", expected F32 or BF16");
    m.scale_inv = to_f32(s);
    return m;
  }

  // A projection read whole by linear(): in the layout the decode kernels read fastest, the
  // stored copy's pages handed back when it was converted.
  WeightMatrix decode_matrix(const std::string& name, const Tensor& t) const {
    const WeightMatrix stored = matrix(name, t);
    WeightMatrix m = to_decode_layout(stored);
    if (m.w.data != stored.w.data) release_pages(stored.w.data, stored.w.nbytes());
    return m;
  }

  // k_b [H, lora, nope] / v_b [H, v, lora] as row blocks per head, in the stored layout.
  Linear split_linear(const WeightSpec& spec) const {
    Linear l;
    l.weight = matrix(spec.name, read(spec));
    Shape& s = l.weight.w.shape;
    s = {s[0] * s[1], s[2]};
    return l;
  }

  const ModelConfig& c_;
  const TensorSource& source_;
};

}  // namespace

ModelWeights load_weights(const ModelConfig& c, const TensorSource& source,
                          const ModelPart& part) {
  const Loader L(c, source);
  ModelWeights w;
  visit_weights(c, w, [&](const WeightSpec& spec, const WeightSlot& slot) {
    if (part_holds(c, part, spec)) L.bind(spec, slot);
  });
  if (c.tie_word_embeddings && part.ends) {
    if (w.embed.dtype == DType::F8_E4M3) L.fail("model.embed_tokens.weight", "is F8_E4M3");
    w.lm_head.w = w.embed;
  }
  return w;
}

ModelWeights weights_view(const ModelConfig& c, const ParamLayout& layout, float* base,
                          const std::string& label) {
  return load_weights(c, ParamSource(layout, base, label));
}

void embedding_rows(const Tensor& table, const int32_t* tokens, int64_t n, float* out) {
  const int64_t D = table.dim(1);
  WeightMatrix m;
  m.w = table;
  for (int64_t i = 0; i < n; ++i) dequantize_rows(m, tokens[i], tokens[i] + 1, out + i * D);
}

}  // namespace r1
