// Evaluation of a model on a task's problems: k samples per problem from the batched engine,
// each scored by the task's verifier and the template's format check; pass@1 (mean over the k
// samples), maj@k (majority vote over the extracted answers), response length, format errors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chat/chat_template.h"
#include "comm/comm.h"
#include "infer/generator.h"
#include "io/json_file.h"
#include "rl/reward.h"
#include "rl/rollout.h"
#include "rl/rollout_tools.h"
#include "rl/self_check.h"
#include "rl/task.h"

namespace r1::rl {

struct EvalOptions {
  TemplateKind prompt_template = TemplateKind::R1Zero;
  int64_t samples = 1;       // k
  int64_t max_tokens = 256;  // per completion
  SamplingParams sampling;   // R1's evaluation setting by default: temperature 0.6, top-p 0.95
  int64_t prompts_per_batch = 16;  // problems decoded together (each with its k samples)
  RolloutTools tools;              // tools the samples may call (rl/tool_rollout.h); none: off
  bool progress = true;
};

struct EvalSample {
  size_t problem = 0;  // index into the problems
  std::string completion;  // the model's text (tool markup and outputs left out): what is scored
  std::string transcript;  // with tools: every token, tool calls and outputs included
  int64_t tokens = 0;      // sampled by the model
  RewardBreakdown score;   // accuracy, format, extracted answer, reason
  ToolUse tools;
};

struct EvalResult {
  int64_t n = 0;                      // problems
  int64_t samples = 0;                // k
  double pass_at_1 = 0.0;             // mean accuracy over all n * k samples
  double maj_at_k = 0.0;              // fraction of problems whose most voted answer is right
  double mean_response_tokens = 0.0;  // over all samples
  double format_error_rate = 0.0;     // samples that do not follow the template
  double seconds = 0.0;
  int64_t generated_tokens = 0;
  // With tools: the share of samples that called one, and per sample the calls, tool rounds
  // and failed calls.
  bool tools = false;
  double tool_call_rate = 0.0, tool_calls_per_sample = 0.0, tool_turns_per_sample = 0.0,
         tool_errors_per_sample = 0.0;
  // For tasks that count them (rl/self_check.h): attempts, checks, retries and accuracy by
  // attempts, as SelfCheckTally::metrics(); null otherwise.
  Json self_checks;
  std::vector<EvalSample> records;  // [n * k], problem-major
};

// A scored sample as one JSON line and back, every field kept: how the ranks send each other
// their records (the self-check counts included, which r1 reject --readable and the metrics read).
std::string eval_record_line(const EvalSample& sample);
EvalSample eval_record_from_line(const std::string& line);

// The majority answer of one problem's samples: answers are grouped by their canonical form
// (exact value for numbers, normalised text otherwise); ties go to the answer seen first.
// Returns the index of a sample carrying it, or -1 when no sample has an answer.
int64_t majority_sample(const std::vector<EvalSample>& samples);

// `chat` is needed for TemplateKind::R1. Seeds: sample i of problem q draws from
// sampling.seed + q * k + i, so a result is reproducible and independent of the batch size and
// of the number of ranks: across the ranks of `comm` each samples its share of the problems (in
// rank order) and every rank receives every record.
EvalResult evaluate(Comm& comm, const Generator& generator, const Tokenizer& tokenizer,
                    const ChatTemplate* chat, const Task& task,
                    const std::vector<Problem>& problems, const EvalOptions& options);

// {"pass@1", "maj@k", "mean_response_tokens", "format_error_rate", "n", "samples", ...}; with
// tools also "tool_call_rate", "tool_calls_per_sample", "tool_turns_per_sample",
// "tool_errors_per_sample"; with self-checks their metrics.
Json eval_result_to_json(const EvalResult& r);

}  // namespace r1::rl
