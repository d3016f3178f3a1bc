// Scalar dtype conversions against exhaustive/known values.
#include "core/dtype.h"

#include <gtest/gtest.h>

#include <cmath>

namespace r1 {

TEST(DType, Fp8RoundTripAllCodes) {
  for (int c = 0; c < 256; ++c) {
    float v = fp8_e4m3_to_f32(uint8_t(c));
    if (std::isnan(v)) continue;
    uint8_t back = f32_to_fp8_e4m3(v);
    if (v == 0.0f) {
      EXPECT_EQ(fp8_e4m3_to_f32(back), 0.0f);
    } else {
      EXPECT_EQ(back, uint8_t(c)) << "code " << c << " value " << v;
    }
  }
  EXPECT_EQ(fp8_e4m3_to_f32(0x7e), 448.0f);
  EXPECT_EQ(fp8_e4m3_to_f32(0x01), std::ldexp(1.0f, -9));
  EXPECT_EQ(f32_to_fp8_e4m3(1e6f), 0x7e);
}

TEST(DType, Bf16AndF16RoundTrip) {
  for (float v : {0.0f, 1.0f, -2.5f, 3.14159f, 65504.0f, 1e-5f, -1e-7f}) {
    EXPECT_NEAR(bf16_to_f32(f32_to_bf16(v)), v, std::fabs(v) * 1e-2 + 1e-30);
    EXPECT_NEAR(f16_to_f32(f32_to_f16(v)), v, std::fabs(v) * 1e-3 + 6e-8);
  }
  for (uint32_t h = 0; h < 0x7c00; ++h) EXPECT_EQ(f32_to_f16(f16_to_f32(uint16_t(h))), h);
  EXPECT_EQ(f32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(dtype_from_name("F8_E4M3"), DType::F8_E4M3);
  EXPECT_FALSE(dtype_from_name("Q4"));
}

}  // namespace r1
