// Random initialisation as Hugging Face does it (normal, std = initializer_range 0.02; norms 1),
// except routers, which start with std 1/sqrt(D) so that expert choices are well separated.
#include "checkpoint/random_init.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "core/error.h"
#include "core/hash.h"
#include "model/weight_specs.h"

namespace r1 {

CheckpointDType checkpoint_dtype_from_name(const std::string& name) {
  if (name == "f32") return CheckpointDType::F32;
  if (name == "f16") return CheckpointDType::F16;
  if (name == "bf16") return CheckpointDType::BF16;
  if (name == "fp8") return CheckpointDType::FP8;
  throw UsageError("--dtype: unknown value '" + name + "' (expected f32, f16, bf16 or fp8)");
}

namespace {

bool is_fp8_role(WeightRole r) {
  return r == WeightRole::Linear || r == WeightRole::Expert;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}


Tensor random_f32(const WeightSpec& spec, const ModelConfig& c, uint64_t seed) {
  Tensor t = Tensor::zeros(DType::F32, spec.shape);
  float* p = t.f32();
  const int64_t n = t.numel();
  const bool is_norm = spec.role == WeightRole::Vector && ends_with(spec.name, "norm.weight");
  if (is_norm) {
    std::fill(p, p + n, 1.0f);
    return t;
  }
  const double std =
      spec.role == WeightRole::Router ? 1.0 / std::sqrt(double(c.hidden_size)) : 0.02;
  std::mt19937_64 rng(seed ^ fnv1a(spec.name, kFnv1aShortOffset));
  std::normal_distribution<float> normal(0.0f, float(std));
  for (int64_t i = 0; i < n; ++i) p[i] = normal(rng);
  return t;
}

}  // namespace

std::pair<Tensor, Tensor> quantize_fp8_blocks(const Tensor& w, int64_t block_rows,
                                              int64_t block_cols) {
  R1_ASSERT(w.dtype == DType::F32 && w.ndim() == 2);
  const int64_t R = w.dim(0), C = w.dim(1);
  const int64_t br = (R + block_rows - 1) / block_rows, bc = (C + block_cols - 1) / block_cols;
  Tensor codes = Tensor::zeros(DType::F8_E4M3, {R, C});
  Tensor scales = Tensor::zeros(DType::F32, {br, bc});
  for (int64_t i = 0; i < br; ++i)
    for (int64_t j = 0; j < bc; ++j) {
      const int64_t r0 = i * block_rows, r1 = std::min(R, r0 + block_rows);
      const int64_t c0 = j * block_cols, c1 = std::min(C, c0 + block_cols);
      float amax = 0.0f;
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t k = c0; k < c1; ++k) amax = std::max(amax, std::fabs(w.f32()[r * C + k]));
      const float scale = amax > 0.0f ? amax / 448.0f : 1.0f;
      scales.f32()[i * bc + j] = scale;
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t k = c0; k < c1; ++k)
          codes.as<uint8_t>()[r * C + k] = f32_to_fp8_e4m3(w.f32()[r * C + k] / scale);
    }
  return {codes, scales};
}

int64_t checkpoint_bytes(const ModelConfig& c, CheckpointDType dtype) {
  int64_t bytes = 0;
  for (const WeightSpec& s : weight_specs(c)) {
    const int64_t n = shape_numel(s.shape);
    if (dtype == CheckpointDType::F32) {
      bytes += 4 * n;
    } else if (dtype == CheckpointDType::FP8 && is_fp8_role(s.role)) {
      bytes += n + 4 * ((s.shape[0] + c.fp8_block_rows - 1) / c.fp8_block_rows) *
                       ((s.shape[1] + c.fp8_block_cols - 1) / c.fp8_block_cols);
    } else {
      bytes += 2 * n;
    }
  }
  return bytes;
}

std::vector<std::pair<std::string, Tensor>> random_checkpoint_tensors(const ModelConfig& c,
                                                                      CheckpointDType dtype,
                                                                      uint64_t seed) {
  std::vector<std::pair<std::string, Tensor>> out;
  for (const WeightSpec& spec : weight_specs(c)) {
    Tensor w = random_f32(spec, c, seed);
    const bool keep_f32 =
        dtype == CheckpointDType::F32 || ends_with(spec.name, "e_score_correction_bias");
    if (keep_f32) {
      out.emplace_back(spec.name, std::move(w));
    } else if (dtype == CheckpointDType::FP8 && is_fp8_role(spec.role)) {
      auto [codes, scales] = quantize_fp8_blocks(w, c.fp8_block_rows, c.fp8_block_cols);
      out.emplace_back(spec.name, std::move(codes));
      out.emplace_back(spec.name + "_scale_inv", std::move(scales));
    } else {
      out.emplace_back(spec.name,
                       cast_from_f32(w, dtype == CheckpointDType::F16 ? DType::F16 : DType::BF16));
    }
  }
  return out;
}

}  // namespace r1
