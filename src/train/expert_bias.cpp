// The sign rule of the auxiliary-loss-free bias update.
#include "train/expert_bias.h"

namespace r1 {

void update_expert_bias(float* bias, const int64_t* load, int64_t E, float gamma) {
  int64_t total = 0;
  for (int64_t e = 0; e < E; ++e) total += load[e];
  // Compare load_i * E with the total instead of with the mean: exact in integers.
  for (int64_t e = 0; e < E; ++e) {
    const int64_t scaled = load[e] * E;
    if (scaled < total) bias[e] += gamma;
    if (scaled > total) bias[e] -= gamma;
  }
}

}  // namespace r1
