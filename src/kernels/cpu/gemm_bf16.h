// The bf16 compute path of the training matmuls: C = op(A) op(B) (+ beta C) with both operands
// rounded to bf16 and the products summed in f32 (vdpbf16ps where the CPU has AVX512-BF16).
#pragma once

#include <cstdint>

namespace r1 {

// One f32 operand, row-major with row stride `ld`. `transposed`: stored as the transpose of its
// logical shape (A, logically [M, K], stored as [K, M]; B, logically [K, N], stored as [N, K]),
// so the same call covers x W^T (forward), dy W (dx) and dy^T x (dW).
struct GemmOperand {
  const float* data = nullptr;
  int64_t ld = 0;
  bool transposed = false;
};

// Native: vdpbf16ps when built with __AVX512BF16__ (else the portable one). Portable: bf16
// widened to f32 by a shift, then FMA (AVX2) or scalar code; selectable so tests cover both.
enum class Bf16Kernel { Native, Portable };

// C [M, N] (row stride ldc) = op(A) [M, K] op(B) [K, N] (+ beta C). A and B are rounded to bf16
// (round to nearest even, as torch's .to(torch.bfloat16)); products are exact in f32 and summed
// in f32. beta == 0 ignores C's old values (as BLAS). Panels are packed once per call (about
// half the f32 operands' bytes, in buffers the calling thread keeps), then tiles of C are split
// over the default thread pool; below ~1M multiply-adds it runs on the calling thread.
void gemm_bf16(const GemmOperand& A, const GemmOperand& B, float* C, int64_t ldc, int64_t M,
               int64_t N, int64_t K, float beta = 0.0f, Bf16Kernel kernel = Bf16Kernel::Native);

// True when this build's native kernel is vdpbf16ps (the CPU flag __AVX512BF16__ at compile time).
bool gemm_bf16_has_vdpbf16ps();

}  // namespace r1
