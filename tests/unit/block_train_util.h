// Helpers for the training-block tests: a tiny DeepSeek config with random parameters in a
// ParamLayout buffer, the PyTorch block cases of make_grad_cases.py loaded into such a buffer,
// and finite differences of the f32 forward over every tensor of a block.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "grad_test_util.h"
#include "model/batch.h"
#include "model/config.h"
#include "model/param_layout.h"
#include "model/weights.h"

namespace r1::test {

// Parameters and a zeroed gradient buffer of one layout, with their model-shaped views.
struct TrainBuffers {
  ModelConfig config;
  std::unique_ptr<ParamLayout> layout;
  Tensor params, grads;  // [layout.total()]
  ModelWeights w, g;     // weights_view of params and grads

  explicit TrainBuffers(const ModelConfig& c);
  // Every tensor random: norms 1 + 0.2 N(0, 1), the rest `scale` N(0, 1), seeded.
  void randomise(uint32_t seed, float scale);
  float* param(const std::string& name) { return params.f32() + layout->at(name).offset; }
  float* grad(const std::string& name) { return grads.f32() + layout->at(name).offset; }
};

// One block case: its config (params.json "config"), the tensors it gives loaded into the
// buffers (others stay zero), and its sequences as spans.
struct BlockCase {
  GradCase data;
  std::unique_ptr<TrainBuffers> buffers;
  SeqSpans spans;
  int64_t T = 0;
};
BlockCase load_block_case(const std::string& name);

// Compares every grad.<name>.npy of the case with the gradient buffer (kTorchRtol each);
// returns how many tensors were compared.
int expect_case_grads(BlockCase& bc);

// Central differences of loss() (the f32 forward, accumulated in double) over `probes` sampled
// elements of every layout tensor whose name starts with `prefix` and is trainable, against the
// gradient buffer: max |analytic - numeric| / max |analytic| over the tensor <= rtol. Returns
// how many tensors were probed.
int expect_param_finite_differences(TrainBuffers& b, const std::string& prefix,
                                    const std::function<double()>& loss, int64_t probes, double eps,
                                    double rtol);

// The same for an input vector x (probes sampled elements).
void expect_input_finite_differences(const std::string& what, std::vector<float>& x,
                                     const std::vector<float>& dx,
                                     const std::function<double()>& loss, int64_t probes,
                                     double eps, double rtol);

// A Linear viewing w [out, in] and b [out] (nullptr: no bias), f32, no copies.
Linear linear_f32(float* w, float* b, int64_t out, int64_t in);

// Tolerances of the f32 finite differences (eps relative to O(1) values): truncation and f32
// rounding of the loss both stay well under these.
constexpr double kF32Eps = 2e-3;
constexpr double kF32FiniteDiffRtol = 2e-3;

}  // namespace r1::test
