// Rejection sampling: the filter over scored samples and the SFT records of the kept ones.
#include "rl/rejection.h"

#include <algorithm>
#include <set>

#include "core/error.h"
#include "rl/prompt_template.h"
#include "rl/self_check.h"

namespace r1::rl {

namespace {

bool readable(const SelfChecks& c, int64_t min_attempts) {
  return c.consistency == 1.0 && c.attempts >= std::max<int64_t>(1, min_attempts) &&
         c.checks == c.attempts && c.false_checks == 0;
}

}  // namespace

std::vector<size_t> accepted_samples(const EvalResult& eval, const SampleFilter& filter) {
  R1_ASSERT(filter.max_per_problem >= 0);
  const int64_t max_per_problem = filter.max_per_problem;
  std::vector<size_t> kept;
  std::set<std::string> texts;  // distinct completions of the current problem
  size_t problem = 0;
  int64_t kept_here = 0;
  for (size_t i = 0; i < eval.records.size(); ++i) {
    const EvalSample& s = eval.records[i];
    if (i == 0 || s.problem != problem) {
      problem = s.problem;
      texts.clear();
      kept_here = 0;
    }
    const bool verified = s.score.accuracy > 0 && s.score.format > 0;
    if (!verified || (max_per_problem > 0 && kept_here >= max_per_problem)) continue;
    if (filter.readable && !readable(s.score.self_checks, filter.min_attempts)) continue;
    if (!texts.insert(s.completion).second) continue;
    kept.push_back(i);
    ++kept_here;
  }
  return kept;
}

OrderedJson sft_record(TemplateKind kind, const std::string& question,
                       const std::string& completion, bool opens_think) {
  if (kind == TemplateKind::R1Zero)
    return OrderedJson{{"prompt", r1_zero_prompt(question)}, {"completion", completion}};
  // The assistant's whole output as the template expects it in a message: the "<think>\n" the
  // generation prompt supplied, then what the model generated after it.
  const std::string content =
      opens_think ? std::string("<think>\n") + completion : completion;
  OrderedJson messages = OrderedJson::array();
  messages.push_back({{"role", "user"}, {"content", r1_user_message(question)}});
  messages.push_back({{"role", "assistant"}, {"content", content}});
  return OrderedJson{{"messages", std::move(messages)}};
}

RejectionResult reject_samples(const EvalResult& eval, const std::vector<Problem>& problems,
                               TemplateKind kind, const ChatTemplate* chat,
                               const SampleFilter& filter) {
  R1_ASSERT(int64_t(problems.size()) == eval.n);
  RejectionResult r;
  r.problems = eval.n;
  r.sampled = int64_t(eval.records.size());
  r.pass_at_1 = eval.pass_at_1;
  std::set<size_t> problems_kept;
  for (size_t i : accepted_samples(eval, filter)) {
    const EvalSample& s = eval.records[i];
    const std::string& question = problems[s.problem].question;
    const bool opens_think =
        kind == TemplateKind::R1 && prompt_opens_think(render_prompt(kind, question, chat));
    r.records.push_back(sft_record(kind, question, s.completion, opens_think));
    problems_kept.insert(s.problem);
  }
  r.kept = int64_t(r.records.size());
  r.problems_kept = int64_t(problems_kept.size());
  return r;
}

Json rejection_result_to_json(const RejectionResult& r) {
  return {{"problems", r.problems},
          {"problems_kept", r.problems_kept},
          {"sampled", r.sampled},
          {"kept", r.kept},
          {"pass@1", r.pass_at_1}};
}

}  // namespace r1::rl
