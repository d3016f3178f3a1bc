// The GQA attention block against double finite differences of a direct reference
// (two sequences, H = 4 query heads over Hk = 2 kv heads, biases on every projection).
#include "model/blocks/gqa.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "block_train_util.h"
#include "grad_test_util.h"

namespace r1 {
namespace {

using test::random_floats;

struct Dims {
  int64_t B = 2, T = 3, D = 8, H = 4, Hk = 2, hd = 4;
  int64_t q() const { return H * hd; }
  int64_t kv() const { return Hk * hd; }
  // Offsets of each weight and bias in one packed vector: q, k, v, o, each [out, in] then [out].
  int64_t q_w() const { return 0; }
  int64_t k_w() const { return q_w() + q() * D + q(); }
  int64_t v_w() const { return k_w() + kv() * D + kv(); }
  int64_t o_w() const { return v_w() + kv() * D + kv(); }
  int64_t total() const { return o_w() + D * q() + D; }
};

ModelConfig gqa_config(const Dims& d) {
  ModelConfig c;
  c.arch = Arch::Llama;
  c.hidden_size = d.D, c.num_attention_heads = d.H, c.num_key_value_heads = d.Hk;
  c.head_dim = d.hd, c.attention_bias = true;
  c.rope.theta = 100.0, c.rope.type = RopeScaling::Llama3, c.rope.factor = 4.0;
  c.rope.original_max_position_embeddings = 8;
  return c;
}

// B sequences of T rows, each at positions 0..T-1.
SeqSpans spans(const Dims& d) {
  SeqSpans s;
  for (int64_t b = 0; b < d.B; ++b) s.push_back({b * d.T, d.T, 0, nullptr});
  return s;
}

GqaWeights gqa_view(const Dims& d, float* w) {
  auto lin = [&](int64_t off, int64_t out, int64_t in) {
    return test::linear_f32(w + off, w + off + out * in, out, in);
  };
  return {lin(d.q_w(), d.q(), d.D), lin(d.k_w(), d.kv(), d.D), lin(d.v_w(), d.kv(), d.D),
          lin(d.o_w(), d.D, d.q())};
}

// y[t] = W x[t] + b for one row.
std::vector<double> project(const double* W, const double* x, int64_t out, int64_t in) {
  std::vector<double> y(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    double s = W[out * in + o];  // the bias follows the weight
    for (int64_t i = 0; i < in; ++i) s += W[o * in + i] * x[i];
    y[size_t(o)] = s;
  }
  return y;
}

// rotate_half RoPE of every head of one row at position `pos`.
void rope_row(std::vector<double>& v, int64_t heads, int64_t hd, int64_t pos,
              const RopeFreqs& rope) {
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t i = 0; i < hd / 2; ++i) {
      const double angle = double(float(pos) * rope.inv_freq[size_t(i)]);
      const double cs = std::cos(angle) * rope.mscale, sn = std::sin(angle) * rope.mscale;
      double& a = v[size_t(h * hd + i)];
      double& b = v[size_t(h * hd + i + hd / 2)];
      const double a0 = a, b0 = b;
      a = a0 * cs - b0 * sn;
      b = b0 * cs + a0 * sn;
    }
}

// One sequence: sum over rows and outputs of dy * attention(x) in double.
double sequence_loss(const Dims& d, const RopeFreqs& rope, const double* x, const double* w,
                     const float* dy) {
  std::vector<std::vector<double>> q, k, v;
  for (int64_t t = 0; t < d.T; ++t) {
    q.push_back(project(w + d.q_w(), x + t * d.D, d.q(), d.D));
    k.push_back(project(w + d.k_w(), x + t * d.D, d.kv(), d.D));
    v.push_back(project(w + d.v_w(), x + t * d.D, d.kv(), d.D));
    rope_row(q.back(), d.H, d.hd, t, rope);
    rope_row(k.back(), d.Hk, d.hd, t, rope);
  }
  double loss = 0.0;
  for (int64_t t = 0; t < d.T; ++t) {
    std::vector<double> out(static_cast<size_t>(d.q()), 0.0);
    for (int64_t h = 0; h < d.H; ++h) {
      const int64_t g = h / (d.H / d.Hk);
      std::vector<double> p(static_cast<size_t>(t + 1));
      double mx = -1e300, sum = 0.0;
      for (int64_t s = 0; s <= t; ++s) {
        double dot = 0.0;
        for (int64_t i = 0; i < d.hd; ++i)
          dot += q[size_t(t)][size_t(h * d.hd + i)] * k[size_t(s)][size_t(g * d.hd + i)];
        p[size_t(s)] = dot / std::sqrt(double(d.hd));
        mx = std::max(mx, p[size_t(s)]);
      }
      for (double& e : p) sum += (e = std::exp(e - mx));
      for (int64_t s = 0; s <= t; ++s)
        for (int64_t i = 0; i < d.hd; ++i)
          out[size_t(h * d.hd + i)] += p[size_t(s)] / sum * v[size_t(s)][size_t(g * d.hd + i)];
    }
    const std::vector<double> y = project(w + d.o_w(), out.data(), d.D, d.q());
    for (int64_t o = 0; o < d.D; ++o) loss += y[size_t(o)] * dy[t * d.D + o];
  }
  return loss;
}

double gqa_loss(const Dims& d, const RopeFreqs& rope, const std::vector<double>& x,
                const std::vector<double>& w, const std::vector<float>& dy) {
  double loss = 0.0;
  for (int64_t b = 0; b < d.B; ++b)
    loss += sequence_loss(d, rope, x.data() + b * d.T * d.D, w.data(), dy.data() + b * d.T * d.D);
  return loss;
}

TEST(GqaBlock, BackwardMatchesFiniteDifferences) {
  const Dims d;
  const ModelConfig c = gqa_config(d);
  const RopeFreqs rope = rope_freqs(c.rope, d.hd);
  const int64_t N = d.B * d.T;
  std::vector<float> w = random_floats(size_t(d.total()), 11, 0.5f), gw(w.size());
  const auto x = random_floats(size_t(N * d.D), 12), dy = random_floats(size_t(N * d.D), 13);
  GqaTape tape;
  std::vector<float> y(x.size()), dx(x.size());
  gqa_forward(c, gqa_view(d, w.data()), rope, x.data(), N, spans(d), 0, y.data(),
              ComputeType::F32, &tape);
  gqa_backward(c, gqa_view(d, w.data()), rope, x.data(), tape, dy.data(), N, spans(d),
               gqa_view(d, gw.data()), dx.data(), ComputeType::F32);

  const auto xd = test::to_double(x), wd = test::to_double(w);
  EXPECT_NEAR(test::dot(test::to_double(y), dy), gqa_loss(d, rope, xd, wd, dy), 1e-4);
  EXPECT_LE(test::finite_difference_error(
                [&](const std::vector<double>& v) { return gqa_loss(d, rope, v, wd, dy); }, xd,
                dx),
            test::kFiniteDiffRtol);
  EXPECT_LE(test::finite_difference_error(
                [&](const std::vector<double>& v) { return gqa_loss(d, rope, xd, v, dy); }, wd,
                gw),
            test::kFiniteDiffRtol);
}

// Sequences are independent: the second sequence's output does not change when the first's
// input does.
TEST(GqaBlock, SequencesDoNotSeeEachOther) {
  const Dims d;
  const ModelConfig c = gqa_config(d);
  const RopeFreqs rope = rope_freqs(c.rope, d.hd);
  std::vector<float> w = random_floats(size_t(d.total()), 21, 0.5f);
  auto x = random_floats(size_t(d.B * d.T * d.D), 22);
  std::vector<float> y1(x.size()), y2(x.size());
  gqa_forward(c, gqa_view(d, w.data()), rope, x.data(), d.B * d.T, spans(d), 0, y1.data(),
              ComputeType::F32);
  for (int64_t i = 0; i < d.T * d.D; ++i) x[size_t(i)] += 1.0f;
  gqa_forward(c, gqa_view(d, w.data()), rope, x.data(), d.B * d.T, spans(d), 0, y2.data(),
              ComputeType::F32);
  for (int64_t i = d.T * d.D; i < d.B * d.T * d.D; ++i) EXPECT_EQ(y1[size_t(i)], y2[size_t(i)]);
  EXPECT_NE(y1[0], y2[0]);
}

}  // namespace
}  // namespace r1
