// The fixed-logit GRPO cases of tests/reference/make_grpo_cases.py (OUT/logits), shared by the
// advantage, GRPO loss and whole-model GRPO tests.
#pragma once

#include <string>
#include <vector>

#include "grad_test_util.h"
#include "rl/grpo_loss.h"

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

// The GrpoLossOptions a case's JSON names (eps_low, eps_high, beta, aggregation, length_norm).
inline rl::GrpoLossOptions grpo_options_of(const Json& v) {
  rl::GrpoLossOptions o;
  o.eps_low = v.at("eps_low");
  o.eps_high = v.at("eps_high");
  o.beta = v.at("beta");
  o.aggregation = rl::loss_aggregation_from_name(v.at("aggregation"));
  o.length_norm = v.at("length_norm");
  o.importance = rl::importance_level_from_name(v.value("importance", "token"));
  return o;
}

}  // namespace r1::test
