// maj@k voting: equal values vote together whatever their spelling, ties go to the answer
// seen first, samples without an answer do not vote.
#include "rl/evaluate.h"

#include <gtest/gtest.h>

namespace r1::rl {
namespace {

std::vector<EvalSample> with_answers(const std::vector<std::string>& answers) {
  std::vector<EvalSample> out;
  for (const std::string& a : answers) {
    EvalSample s;
    s.score.has_answer = !a.empty();
    s.score.answer = a;
    out.push_back(s);
  }
  return out;
}

TEST(Evaluate, MajorityGroupsEqualValuesAndBreaksTiesByFirstSeen) {
  EXPECT_EQ(majority_sample(with_answers({"3", "0.5", "1/2", "\\frac{1}{2}", "3"})), 1);
  EXPECT_EQ(majority_sample(with_answers({"7", "8", "8", "7"})), 0);
  EXPECT_EQ(majority_sample(with_answers({"", "", "x"})), 2);
  EXPECT_EQ(majority_sample(with_answers({"", ""})), -1);
  EXPECT_EQ(majority_sample(with_answers({"2", "3.0", "3"})), 1);
}

}  // namespace
}  // namespace r1::rl
