// Buffers, PyTorch block cases and f32 finite differences for the training-block tests.
#include "block_train_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "checkpoint/config_json.h"
#include "model/config.h"

namespace r1::test {

TrainBuffers::TrainBuffers(const ModelConfig& c)
    : config(c),
      layout(std::make_unique<ParamLayout>(c)),
      params(make_param_buffer(*layout)),
      grads(make_param_buffer(*layout)),
      w(weights_view(c, *layout, params.f32(), "parameters")),
      g(weights_view(c, *layout, grads.f32(), "gradients")) {}

void TrainBuffers::randomise(uint32_t seed, float scale) {
  for (const ParamEntry& e : layout->entries()) {
    const bool norm = e.name.find("norm") != std::string::npos;
    const std::vector<float> v = random_floats(size_t(e.numel), seed++, norm ? 0.2f : scale);
    float* dst = params.f32() + e.offset;
    for (int64_t i = 0; i < e.numel; ++i) dst[i] = v[size_t(i)] + (norm ? 1.0f : 0.0f);
  }
}

BlockCase load_block_case(const std::string& name) {
  BlockCase bc;
  bc.data = load_grad_case(name);
  const ModelConfig c = parse_model_config(bc.data.params.at("config"), name);
  bc.buffers = std::make_unique<TrainBuffers>(c);
  for (const ParamEntry& e : bc.buffers->layout->entries()) {
    if (!std::filesystem::exists(bc.data.dir + "/" + e.name + ".npy")) continue;
    const std::vector<float> v = bc.data.f32(e.name);
    EXPECT_EQ(int64_t(v.size()), e.numel) << e.name;
    std::copy_n(v.data(), std::min(int64_t(v.size()), e.numel), bc.buffers->param(e.name));
  }
  for (const Json& n : bc.data.params.at("spans")) {
    const int64_t rows = n.get<int64_t>();
    bc.spans.push_back(SeqSpan{bc.T, rows, 0, nullptr});
    bc.T += rows;
  }
  return bc;
}

int expect_case_grads(BlockCase& bc) {
  int compared = 0;
  for (const ParamEntry& e : bc.buffers->layout->entries()) {
    if (!std::filesystem::exists(bc.data.dir + "/grad." + e.name + ".npy")) continue;
    const float* g = bc.buffers->grad(e.name);
    expect_close(bc.data.name + " " + e.name, std::vector<float>(g, g + e.numel),
                 bc.data.f32("grad." + e.name), kTorchRtol);
    ++compared;
  }
  return compared;
}

namespace {

// max over the probes of |analytic - numeric|, over max |analytic| of the whole vector.
double probe_error(float* x, int64_t n, const float* analytic, const std::function<double()>& loss,
                   int64_t probes, double eps, uint32_t seed) {
  double scale = 0.0, worst = 0.0;
  for (int64_t i = 0; i < n; ++i) scale = std::max(scale, double(std::fabs(analytic[i])));
  for (int64_t i : sample_indices(n, probes, seed)) {
    const float saved = x[i];
    x[i] = saved + float(eps);
    const double up = loss();
    x[i] = saved - float(eps);
    const double down = loss();
    x[i] = saved;
    // The step actually taken in f32.
    const double step = double(saved + float(eps)) - double(saved - float(eps));
    worst = std::max(worst, std::fabs((up - down) / step - analytic[i]));
  }
  return scale > 0.0 ? worst / scale : worst;
}

}  // namespace

int expect_param_finite_differences(TrainBuffers& b, const std::string& prefix,
                                    const std::function<double()>& loss, int64_t probes, double eps,
                                    double rtol) {
  int probed = 0;
  for (const ParamEntry& e : b.layout->entries()) {
    if (!e.trainable || e.name.rfind(prefix, 0) != 0) continue;
    const double err = probe_error(b.param(e.name), e.numel, b.grad(e.name), loss, probes, eps,
                                   uint32_t(e.offset));
    std::printf("[ %-48s ] finite-diff rel err %.2e\n", e.name.c_str(), err);
    EXPECT_LE(err, rtol) << e.name;
    ++probed;
  }
  return probed;
}

void expect_input_finite_differences(const std::string& what, std::vector<float>& x,
                                     const std::vector<float>& dx,
                                     const std::function<double()>& loss, int64_t probes,
                                     double eps, double rtol) {
  const double err = probe_error(x.data(), int64_t(x.size()), dx.data(), loss, probes, eps, 7);
  std::printf("[ %-48s ] finite-diff rel err %.2e\n", what.c_str(), err);
  EXPECT_LE(err, rtol) << what;
}

Linear linear_f32(float* w, float* b, int64_t out, int64_t in) {
  Linear l;
  l.weight.w = Tensor::view(DType::F32, {out, in}, w, nullptr);
  if (b) l.bias = Tensor::view(DType::F32, {out}, b, nullptr);
  return l;
}

}  // namespace r1::test
