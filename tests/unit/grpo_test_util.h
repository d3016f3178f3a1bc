// The fixed-logit GRPO cases of tests/reference/make_grpo_cases.py (OUT/logits), shared by the
// advantage and GRPO loss tests.
#pragma once

#include <string>
#include <vector>

#include "grad_test_util.h"

namespace r1::test {

// cases.json as params; .npy inputs through f32() / i32().
inline GradCase load_grpo_logit_cases() {
  GradCase c;
  c.name = "grpo logits";
  c.dir = std::string(R1_GRPO_CASES_DIR) + "/logits";
  c.params = read_json_file(c.dir + "/cases.json");
  return c;
}

inline std::vector<double> grpo_case_rewards(const GradCase& c) {
  const std::vector<float> r = c.f32("rewards");
  return {r.begin(), r.end()};
}

}  // namespace r1::test
