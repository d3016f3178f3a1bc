// Rejection sampling (DeepSeek-R1, section 2.3.3): of the k samples per problem keep those the
// verifier accepts that also follow the template exactly, distinct texts only, at most m per
// problem, as SFT records: prompt-completion pairs for the R1-Zero template, chat
// conversations for the R1 template.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chat/chat_template.h"
#include "rl/evaluate.h"
#include "rl/task.h"

namespace r1::rl {

struct SampleFilter {
  int64_t max_per_problem = 0;  // 0: no cap
  // R1's cold-start rule (tasks that count self-checks, rl/self_check.h): reasoning all in the
  // task's notation with every attempt checked, no verdict untrue (against the task's goal),
  // and at least min_attempts attempts.
  bool readable = false;
  int64_t min_attempts = 0;
};

// Indices into eval.records of the samples to keep, problem-major: accuracy 1 and format 1,
// readable when asked (read from each sample's score.self_checks), the first sample of each
// distinct completion text of a problem, at most max_per_problem of them per problem.
std::vector<size_t> accepted_samples(const EvalResult& eval, const SampleFilter& filter);

// The SFT record that teaches `completion` as the answer to `question`:
//   R1Zero: {"prompt": r1_zero_prompt(question), "completion": completion}
//   R1:     {"messages": [{"role": "user", "content": r1_user_message(question)},
//                         {"role": "assistant", "content": reasoning + answer}]}
// where the assistant content is the completion with "<think>\n" in front when the generation
// prompt opened the thinking (opens_think: R1's template forces it). Rendered for SFT
// (render_chat_example) the prompt is the same generation prompt and the completion tokens are
// the completion's own, the reasoning kept: the template's stripping of reasoning applies to
// earlier turns only.
OrderedJson sft_record(TemplateKind kind, const std::string& question,
                       const std::string& completion, bool opens_think);

struct RejectionResult {
  std::vector<OrderedJson> records;  // [kept] SFT records, problem-major
  int64_t problems = 0;              // n
  int64_t problems_kept = 0;         // problems with at least one kept sample
  int64_t sampled = 0;               // n * k
  int64_t kept = 0;                  // records.size()
  double pass_at_1 = 0.0;            // of the sampling (mean accuracy of all samples)
};

// The kept samples of `eval` (evaluate() of `problems` with `kind`) as SFT records. `chat` is
// the sampling model's chat template, needed for TemplateKind::R1 (to know whether its
// generation prompt opens the thinking).
RejectionResult reject_samples(const EvalResult& eval, const std::vector<Problem>& problems,
                               TemplateKind kind, const ChatTemplate* chat,
                               const SampleFilter& filter);

// {"problems", "problems_kept", "sampled", "kept", "pass@1"} for `--json`.
Json rejection_result_to_json(const RejectionResult& r);

}  // namespace r1::rl
