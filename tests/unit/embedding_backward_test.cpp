// embedding_backward: repeated tokens add up, existing gradients are added to, PyTorch agrees,
// and the threaded column split matches a serial sum.
#include "kernels/cpu/embedding_backward.h"

#include <gtest/gtest.h>

#include "grad_test_util.h"

namespace r1 {
namespace {

using test::random_floats;

std::vector<float> scatter_ref(const std::vector<int32_t>& tokens, const std::vector<float>& dx,
                               int64_t D, std::vector<float> dE) {
  for (size_t t = 0; t < tokens.size(); ++t)
    for (int64_t c = 0; c < D; ++c) dE[size_t(tokens[t] * D + c)] += dx[t * size_t(D) + size_t(c)];
  return dE;
}

TEST(EmbeddingBackward, MatchesPyTorch) {
  const test::GradCase c = test::load_grad_case("embedding");
  const int64_t T = c.params.at("T"), V = c.params.at("V"), D = c.params.at("D");
  const auto tokens = c.i32("tokens");
  const auto dx = c.f32("dx");
  std::vector<float> dE(static_cast<size_t>(V * D));
  embedding_backward(tokens.data(), dx.data(), T, D, V, dE.data());
  test::expect_close(c.name + " dE", dE, c.f32("dE"), test::kTorchRtol);
}

TEST(EmbeddingBackward, AddsRepeatedTokensToExistingGradients) {
  const int64_t D = 3, V = 4;
  const std::vector<int32_t> tokens = {2, 0, 2};
  const std::vector<float> dx = {1, 2, 3, 10, 20, 30, 100, 200, 300};
  std::vector<float> dE(static_cast<size_t>(V * D), 1.0f);
  embedding_backward(tokens.data(), dx.data(), 3, D, V, dE.data());
  const std::vector<float> expected = {11, 21, 31, 1, 1, 1, 102, 203, 304, 1, 1, 1};
  EXPECT_EQ(dE, expected);
}

TEST(EmbeddingBackward, ThreadedSizeMatchesSerialSum) {
  const int64_t T = 100, D = 520, V = 37;  // T * D above the threading threshold
  std::vector<int32_t> tokens(static_cast<size_t>(T));
  for (int64_t t = 0; t < T; ++t) tokens[size_t(t)] = int32_t((t * t) % V);
  const auto dx = random_floats(size_t(T * D), 1);
  const auto dE0 = random_floats(size_t(V * D), 2);
  std::vector<float> dE = dE0;
  embedding_backward(tokens.data(), dx.data(), T, D, V, dE.data());
  EXPECT_EQ(dE, scatter_ref(tokens, dx, D, dE0));  // same order of additions per float
}

}  // namespace
}  // namespace r1
