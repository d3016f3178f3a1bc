// Pretraining corpora for RL demos: problems written out in the R1-Zero format, either with a
// worked solution in the thinking or with a quick guess. A base model pretrained on a mix of
// both can reason but does not prefer to; raising that preference is GRPO's job (the R1-Zero
// story: the reward, not supervision, decides how the model answers).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rl/search_trace.h"
#include "rl/task.h"

namespace r1::rl {

// The derivation of a problem's answer, one rewrite per step separated by " , " (arithmetic:
// "7 + 6 - 5 , 13 - 5 , 8": the expression is restated, then shrunk by one operation per step,
// multiplications first, so each step copies the tail of the one before; variables:
// "a = 7 , b = 2 , 7 - 2 = 5": each value looked up by name, then the running total). nullopt
// for tasks without worked solutions (all but arithmetic and variables).
std::optional<std::string> worked_steps(const Task& task, const Problem& problem);

struct CorpusOptions {
  double careful_fraction = 0.3;  // share of documents with a worked solution
  int64_t guess_spread = 4;       // a guess is the answer plus a uniform integer in [-s, s]
  // Share of documents whose prompt offers the calculator (rl/rollout_tools.h), and of those the
  // share that call it; the others are written as without the tool.
  double tool_prompt_fraction = 0.0;
  double tool_call_fraction = 0.5;
  SearchTraceOptions search;  // countdown: its documents are search traces instead
  uint64_t seed = 0;
};

// One document per problem: the R1-Zero prompt of its question followed by
// " <think> STEPS </think> <answer> ANSWER </answer>" or
// " <think> quick guess </think> <answer> GUESS </answer>", or, calling the calculator (R1's
// tool-call format, the call's expression the problem's), " <think> CALL_BLOCK TOOL_OUTPUTS
// </think> <answer> ANSWER </answer>"; for countdown a search trace (rl/search_trace.h), its
// worked-solution and guess settings unused, followed, for a share of the problems, by an
// arithmetic document (empty prompt, completion countdown_arithmetic's line). UsageError for a
// task without worked solutions, tool calls for a task whose problems are not expressions, or a
// fraction outside [0, 1].
struct CorpusDocument {
  std::string prompt;      // the rendered R1-Zero prompt, ending at "Assistant:" (or empty)
  std::string completion;  // what the model learns to write after it
  std::string text() const { return prompt + completion; }
  bool operator==(const CorpusDocument&) const = default;
};
std::vector<CorpusDocument> r1_zero_corpus(const Task& task, const std::vector<Problem>& problems,
                                        const CorpusOptions& options);

}  // namespace r1::rl
