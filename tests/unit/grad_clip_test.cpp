// Global-norm clipping: the norm, the scale, the skipped non-trainable entries.
#include "train/grad_clip.h"

#include <gtest/gtest.h>

#include <cmath>

namespace r1 {
namespace {

std::vector<ParamEntry> two_entries() {
  std::vector<ParamEntry> e(2);
  e[0] = {"a", {2}, 0, 2, true, true};
  e[1] = {"bias", {1}, 16, 1, false, false};
  return e;
}

TEST(GradClip, ScalesToMaxNormAndSkipsBuffers) {
  std::vector<float> g(32, 0.0f);
  g[0] = 3;
  g[1] = 4;
  g[16] = 1000;  // not trainable: neither counted nor scaled
  const double norm = clip_grad_norm(two_entries(), g.data(), 1.0);
  EXPECT_DOUBLE_EQ(norm, 5.0);
  EXPECT_FLOAT_EQ(g[0], float(3 * (1.0 / (5 + 1e-6))));
  EXPECT_FLOAT_EQ(g[1], float(4 * (1.0 / (5 + 1e-6))));
  EXPECT_EQ(g[16], 1000.0f);
  EXPECT_NEAR(grad_norm(two_entries(), g.data()), 1.0, 1e-6);
}

TEST(GradClip, LeavesSmallNormsAndClipZeroAlone) {
  std::vector<float> g(32, 0.0f);
  g[0] = 0.3f;
  g[1] = 0.4f;
  EXPECT_NEAR(clip_grad_norm(two_entries(), g.data(), 1.0), 0.5, 1e-7);
  EXPECT_EQ(g[0], 0.3f);
  g[0] = 30;
  EXPECT_NEAR(clip_grad_norm(two_entries(), g.data(), 0.0), std::hypot(30.0, 0.4), 1e-5);
  EXPECT_EQ(g[0], 30.0f);
}

TEST(GradClip, LargeBuffersSumTheSameWhateverTheChunking) {
  std::vector<ParamEntry> e(1);
  e[0] = {"w", {100003}, 0, 100003, true, true};
  std::vector<float> g(100003, 0.5f);
  EXPECT_NEAR(grad_norm(e, g.data()), 0.5 * std::sqrt(100003.0), 1e-9);
}

}  // namespace
}  // namespace r1
