// Global-norm clipping: partial sums in double over fixed chunks, one scale pass.
#include "train/grad_clip.h"

#include <algorithm>
#include <cmath>

#include "core/thread_pool.h"

namespace r1 {

double grad_norm(const std::vector<ParamEntry>& entries, const float* grads) {
  // Fixed chunks summed in chunk order: the norm (and so the clipped gradients) does not depend
  // on the thread count or timing, which a bit-identical --resume needs.
  constexpr int64_t kChunk = 1 << 14;
  ThreadPool& pool = default_thread_pool();
  double total = 0.0;
  std::vector<double> partial;
  for (const ParamEntry& e : entries) {
    if (!e.trainable || e.numel == 0) continue;
    const int64_t chunks = std::min<int64_t>((e.numel + kChunk - 1) / kChunk, 65535);
    partial.assign(static_cast<size_t>(chunks), 0.0);
    pool.run(chunks, [&](int64_t c) {
      const int64_t begin = e.offset + e.numel * c / chunks;
      const int64_t end = e.offset + e.numel * (c + 1) / chunks;
      double sum = 0.0;
      for (int64_t i = begin; i < end; ++i) sum += double(grads[i]) * grads[i];
      partial[static_cast<size_t>(c)] = sum;
    });
    for (double x : partial) total += x;
  }
  return std::sqrt(total);
}

double clip_grad_norm(const std::vector<ParamEntry>& entries, float* grads, double max_norm) {
  const double norm = grad_norm(entries, grads);
  if (max_norm <= 0) return norm;
  const double clip = max_norm / (norm + 1e-6);
  if (clip >= 1.0) return norm;
  const float scale = float(clip);
  ThreadPool& pool = default_thread_pool();
  for (const ParamEntry& e : entries) {
    if (!e.trainable) continue;
    pool.parallel_for(e.numel, 4096, [&](int64_t begin, int64_t end) {
      for (int64_t i = e.offset + begin; i < e.offset + end; ++i) grads[i] *= scale;
    });
  }
  return norm;
}

}  // namespace r1
