// The machine's matmul peaks as the kernels reach them: a short measurement of a square f32
// sgemm (the denominator of MFU) and of the bf16 GEMM, on the default thread pool.
#pragma once

namespace r1 {

// GFLOP/s of the best of several 1024^3 products (about 0.3 s on 2 cores).
double measure_sgemm_gflops();
// The same for gemm_bf16 (about half the time where vdpbf16ps doubles the rate).
double measure_bf16_gemm_gflops();

}  // namespace r1
