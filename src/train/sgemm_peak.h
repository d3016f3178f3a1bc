// The machine's f32 matmul peak as the kernels reach it (the denominator of MFU): a short
// measurement of a square sgemm on the default thread pool.
#pragma once

namespace r1 {

// GFLOP/s of the best of several 1024^3 products (about 0.3 s on 2 cores).
double measure_sgemm_gflops();

}  // namespace r1
