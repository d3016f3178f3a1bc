// The warmup + constant/cosine learning-rate factor: its defining points.
#include "train/lr_schedule.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace r1 {
namespace {

TEST(LrSchedule, WarmupIsLinearFromOneStepThenCosineToTheFloor) {
  LrSchedule s;
  s.lr = 2.0;
  s.warmup_steps = 4;
  s.total_steps = 14;
  s.min_lr_ratio = 0.1;
  EXPECT_DOUBLE_EQ(lr_factor(s, 0), 0.25);
  EXPECT_DOUBLE_EQ(lr_factor(s, 3), 1.0);
  EXPECT_DOUBLE_EQ(lr_factor(s, 4), 1.0);      // cosine starts at the peak
  EXPECT_NEAR(lr_factor(s, 9), 0.55, 1e-12);   // half way: (1 + r) / 2
  EXPECT_NEAR(lr_factor(s, 14), 0.1, 1e-12);   // the floor at total_steps
  EXPECT_NEAR(lr_factor(s, 100), 0.1, 1e-12);  // and after it
  EXPECT_DOUBLE_EQ(lr_at(s, 0), 0.5);
  for (int64_t t = 5; t < 14; ++t) EXPECT_LT(lr_factor(s, t), lr_factor(s, t - 1));
}

TEST(LrSchedule, ConstantAndDegenerateSpans) {
  LrSchedule s;
  s.decay = LrDecay::Constant;
  s.warmup_steps = 2;
  s.total_steps = 10;
  EXPECT_DOUBLE_EQ(lr_factor(s, 0), 0.5);
  EXPECT_DOUBLE_EQ(lr_factor(s, 7), 1.0);
  s.decay = LrDecay::Cosine;
  s.total_steps = 2;  // no room for decay: the floor right after warmup
  EXPECT_DOUBLE_EQ(lr_factor(s, 2), s.min_lr_ratio);
  s.warmup_steps = 0;
  s.total_steps = 10;
  EXPECT_DOUBLE_EQ(lr_factor(s, 0), 1.0);
}

TEST(LrSchedule, ParsesNames) {
  EXPECT_EQ(parse_lr_decay("cosine"), LrDecay::Cosine);
  EXPECT_EQ(parse_lr_decay(lr_decay_name(LrDecay::Constant)), LrDecay::Constant);
  EXPECT_THROW(parse_lr_decay("linear"), UsageError);
}

}  // namespace
}  // namespace r1
