// r1's reference quantisers against ggml's own (the ggml_quantize_chunk that llama-quantize calls,
// no importance matrix), byte for byte on many seeded rows, for scripts/llamacpp_interop.sh
// (built there against a llama.cpp build and r1's core library; not part of r1's build). Usage:
//   ggml_quant_check [ROWS]     (rows of 1024 values; default 3000)
// Prints one line per type; exits 1 if any row differs.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/kquant_quantize.h"
#include "core/quant_blocks.h"
#include "core/quant_blocks_legacy.h"
#include "ggml.h"

namespace {

using Quantize = void (*)(const float*, void*, int64_t);

template <typename Block, void (*F)(const float*, Block*, int64_t)>
void ours(const float* x, void* y, int64_t k) {
  F(x, static_cast<Block*>(y), k);
}

struct Kind {
  const char* name;
  ggml_type type;
  Quantize quantize;
};

// Row r of ten kinds (normal, uniform, outliers, zero, constant, tiny, one-signed, few levels,
// zero sub-blocks) over thirteen decades of scale.
void fill_row(std::mt19937_64& rng, int r, float* x, int n) {
  std::normal_distribution<float> nd(0, 1);
  std::uniform_real_distribution<float> ud(-1, 1);
  const int kind = r % 10;
  const float scale = std::pow(10.0f, float(r / 10 % 13 - 8));
  for (int j = 0; j < n; ++j) {
    float v = nd(rng);
    switch (kind) {
      case 0:
        v *= 0.02f;
        break;
      case 1:
        v = ud(rng) * scale;
        break;
      case 2:
        v *= (j % 97 == 0 ? 40.0f : 1.0f) * scale;
        break;
      case 3:
        v = 0;
        break;
      case 4:
        v = 0.37f * scale;
        break;
      case 5:
        v *= 1e-7f;
        break;
      case 6:
        v = std::fabs(v) * scale;
        break;
      case 7:
        v = -std::fabs(v) * scale;
        break;
      case 8:
        v = float(int(v * 4)) / 4 * scale;
        break;
      default:
        v = (j / 16 % 3 == 0 ? 0 : v) * scale;
        break;
    }
    x[j] = v;
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace r1;
  const int rows = argc > 1 ? std::atoi(argv[1]) : 3000;
  const int n = 1024;
  const Kind kinds[] = {
      {"Q2_K", GGML_TYPE_Q2_K, ours<block_q2_K, quantize_row_q2_K>},
      {"Q3_K", GGML_TYPE_Q3_K, ours<block_q3_K, quantize_row_q3_K>},
      {"Q4_K", GGML_TYPE_Q4_K, ours<block_q4_K, quantize_row_q4_K>},
      {"Q5_K", GGML_TYPE_Q5_K, ours<block_q5_K, quantize_row_q5_K>},
      {"Q6_K", GGML_TYPE_Q6_K, ours<block_q6_K, quantize_row_q6_K>},
      {"IQ4_XS", GGML_TYPE_IQ4_XS, ours<block_iq4_xs, quantize_row_iq4_xs>},
      {"IQ4_NL", GGML_TYPE_IQ4_NL, ours<block_iq4_nl, quantize_row_iq4_nl>},
      {"Q5_0", GGML_TYPE_Q5_0, ours<block_q5_0, quantize_row_q5_0>},
      {"Q5_1", GGML_TYPE_Q5_1, ours<block_q5_1, quantize_row_q5_1>},
      {"Q8_0", GGML_TYPE_Q8_0, ours<block_q8_0, quantize_row_q8_0>},
      {"Q4_0", GGML_TYPE_Q4_0, ours<block_q4_0, quantize_row_q4_0>},
  };
  // ggml_init fills the fp16 -> f32 table that GGML_FP16_TO_FP32 reads (llama-quantize calls it
  // too); without it every fp16 scale would read back as 0.
  ggml_init_params params = {1024, nullptr, true};
  ggml_context* ctx = ggml_init(params);
  std::mt19937_64 rng(12345);
  std::vector<float> x(size_t(rows) * n);
  for (int r = 0; r < rows; ++r) fill_row(rng, r, x.data() + size_t(r) * n, n);
  int bad = 0;
  for (const Kind& k : kinds) {
    const size_t row_bytes = ggml_row_size(k.type, n);
    std::vector<uint8_t> want(row_bytes * size_t(rows)), got(want.size());
    ggml_quantize_chunk(k.type, x.data(), want.data(), 0, rows, n, nullptr);
    int differ = 0;
    for (int r = 0; r < rows; ++r) {
      k.quantize(x.data() + size_t(r) * n, got.data() + size_t(r) * row_bytes, n);
      differ += std::memcmp(want.data() + size_t(r) * row_bytes, got.data() + size_t(r) * row_bytes,
                            row_bytes) != 0;
    }
    std::printf("  %-7s %d rows of %d values: %s\n", k.name, rows, n,
                differ ? (std::to_string(differ) + " rows DIFFER").c_str() : "identical to ggml");
    bad += differ;
  }
  ggml_free(ctx);
  return bad ? 1 : 0;
}
