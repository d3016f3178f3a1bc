// evaluate: this rank's problems in batches of prompts_per_batch through the batched rollouts
// (with tools, the tool loop), every sample scored with compute_reward (accuracy and format
// only), the records of all ranks gathered, then the summary figures.
#include "rl/evaluate.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>

#include "core/error.h"
#include "core/progress.h"
#include "rl/math_answer.h"
#include "rl/prompt_template.h"
#include "rl/tool_rollout.h"

namespace r1::rl {

namespace {

// Answers that mean the same value vote together: "0.5", "1/2" and "\frac{1}{2}" are one.
std::string vote_key(const std::string& answer) {
  const std::string normalized = normalize_math_answer(answer);
  const std::optional<Rational> value = math_answer_value(normalized);
  return value ? value->to_string() : normalized;
}

}  // namespace

std::string eval_record_line(const EvalSample& s) {
  const RewardBreakdown& r = s.score;
  const SelfChecks& c = r.self_checks;
  return Json{{"problem", s.problem},
              {"completion", s.completion},
              {"transcript", s.transcript},
              {"tokens", s.tokens},
              {"total", r.total},
              {"accuracy", r.accuracy},
              {"format", r.format},
              {"overlong", r.overlong},
              {"has_answer", r.has_answer},
              {"answer", r.answer},
              {"issue", int(r.issue)},
              {"reason", r.reason},
              {"attempts", c.attempts},
              {"checks", c.checks},
              {"failed_checks", c.failed_checks},
              {"retries", c.retries},
              {"false_checks", c.false_checks},
              {"off_goal_checks", c.off_goal_checks},
              {"consistency", c.consistency},
              {"tool_calls", s.tools.calls},
              {"tool_turns", s.tools.turns},
              {"tool_errors", s.tools.errors}}
      .dump();
}

EvalSample eval_record_from_line(const std::string& line) {
  const Json j = Json::parse(line);
  EvalSample s;
  s.problem = j.at("problem").get<size_t>();
  s.completion = j.at("completion").get<std::string>();
  s.transcript = j.at("transcript").get<std::string>();
  s.tokens = j.at("tokens").get<int64_t>();
  RewardBreakdown& r = s.score;
  r.total = j.at("total").get<double>();
  r.accuracy = j.at("accuracy").get<double>();
  r.format = j.at("format").get<double>();
  r.overlong = j.at("overlong").get<double>();
  r.has_answer = j.at("has_answer").get<bool>();
  r.answer = j.at("answer").get<std::string>();
  r.issue = FormatIssue(j.at("issue").get<int>());
  r.reason = j.at("reason").get<std::string>();
  SelfChecks& c = r.self_checks;
  c.attempts = j.at("attempts").get<int64_t>();
  c.checks = j.at("checks").get<int64_t>();
  c.failed_checks = j.at("failed_checks").get<int64_t>();
  c.retries = j.at("retries").get<int64_t>();
  c.false_checks = j.at("false_checks").get<int64_t>();
  c.off_goal_checks = j.at("off_goal_checks").get<int64_t>();
  c.consistency = j.at("consistency").get<double>();
  s.tools = {j.at("tool_calls").get<int64_t>(), j.at("tool_turns").get<int64_t>(),
             j.at("tool_errors").get<int64_t>()};
  return s;
}

namespace {

// Every rank's records, in rank (and so problem) order.
std::vector<EvalSample> gather_records(Comm& comm, const std::vector<EvalSample>& mine) {
  std::string lines;
  for (const EvalSample& s : mine) lines += eval_record_line(s) + "\n";
  std::vector<EvalSample> all;
  for (const std::string& rank_lines : comm.all_gather(lines)) {
    size_t at = 0;
    while (at < rank_lines.size()) {
      const size_t end = rank_lines.find('\n', at);
      all.push_back(eval_record_from_line(rank_lines.substr(at, end - at)));
      at = end + 1;
    }
  }
  return all;
}

}  // namespace

int64_t majority_sample(const std::vector<EvalSample>& samples) {
  std::map<std::string, std::pair<int64_t, int64_t>> votes;  // key -> (count, first sample)
  int64_t best = -1, best_count = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    if (!samples[i].score.has_answer) continue;
    auto [it, fresh] = votes.try_emplace(vote_key(samples[i].score.answer), 0, int64_t(i));
    const int64_t count = ++it->second.first;
    // Strictly more votes, or as many with an earlier first appearance.
    if (count > best_count || (count == best_count && it->second.second < best)) {
      best_count = count;
      best = it->second.second;
    }
  }
  return best;
}

EvalResult evaluate(Comm& comm, const Generator& generator, const Tokenizer& tokenizer,
                    const ChatTemplate* chat, const Task& task,
                    const std::vector<Problem>& problems, const EvalOptions& o) {
  if (problems.empty()) throw UsageError("no problems to evaluate");
  if (o.samples < 1 || o.samples > 1024)
    throw UsageError("--samples must be in [1, 1024], got " + std::to_string(o.samples));
  if (o.prompts_per_batch < 1) throw UsageError("the prompts per batch must be >= 1");
  RewardConfig scoring;  // accuracy and format, no length shaping
  const auto t0 = std::chrono::steady_clock::now();
  EvalResult r;
  r.n = int64_t(problems.size());
  r.samples = o.samples;
  const size_t begin = problems.size() * size_t(comm.rank()) / size_t(comm.size()),
               end = problems.size() * size_t(comm.rank() + 1) / size_t(comm.size());
  Progress progress("eval", int64_t(end - begin), "problems", 1.0, o.progress && comm.is_root());
  std::optional<ToolContext> tools;
  if (o.tools.enabled())
    tools = make_tool_context(tokenizer, o.tools,
                              chat ? tool_call_format_for(chat->family()) : ToolCallFormat::R1);
  for (size_t first = begin; first < end; first += size_t(o.prompts_per_batch)) {
    const size_t last = std::min(end, first + size_t(o.prompts_per_batch));
    std::vector<std::vector<int32_t>> prompts;
    std::vector<bool> opens_think;
    for (size_t q = first; q < last; ++q) {
      EncodedPrompt prompt = encode_prompt(o.prompt_template, problems[q].question, tokenizer, chat,
                                           tools ? &o.tools : nullptr);
      prompts.push_back(std::move(prompt.ids));
      opens_think.push_back(prompt.opens_think);
    }
    RolloutSettings rs;
    rs.group_size = o.samples;
    rs.max_tokens = o.max_tokens;
    rs.sampling = o.sampling;
    rs.sampling.seed = o.sampling.seed + uint64_t(first) * uint64_t(o.samples);
    const RolloutBatch batch = tools ? generate_tool_rollouts(generator, *tools, prompts, rs)
                                     : generate_rollouts(generator, prompts, rs);
    r.generated_tokens += batch.stats.generated_tokens;
    for (const Rollout& x : batch.rollouts) {
      const size_t q = first + size_t(x.group);
      EvalSample s;
      s.problem = q;
      s.completion = x.completion.text;
      if (tools) s.transcript = tokenizer.decode(x.completion.tokens, false);
      s.tokens = sampled_tokens(x);
      s.tools = x.tools;
      s.score = compute_reward(task, problems[q], s.completion, s.tokens, o.prompt_template,
                               opens_think[size_t(x.group)], scoring);
      r.records.push_back(std::move(s));
    }
    progress.update(int64_t(last - begin));
  }
  progress.finish();
  if (comm.size() > 1) {
    r.records = gather_records(comm, r.records);
    comm.all_reduce_sum(&r.generated_tokens, 1);
  }

  double correct = 0, tokens = 0, format_errors = 0, majority_right = 0;
  double with_call = 0, calls = 0, turns = 0, tool_errors = 0;
  SelfCheckTally self_checks;
  for (int64_t q = 0; q < r.n; ++q) {
    const std::vector<EvalSample> mine(r.records.begin() + q * o.samples,
                                       r.records.begin() + (q + 1) * o.samples);
    for (const EvalSample& s : mine) {
      correct += s.score.accuracy;
      tokens += double(s.tokens);
      format_errors += s.score.format > 0 ? 0 : 1;
      with_call += s.tools.calls > 0 ? 1 : 0;
      calls += double(s.tools.calls);
      turns += double(s.tools.turns);
      tool_errors += double(s.tools.errors);
      if (task.counts_self_checks())
        self_checks.add(s.score.self_checks, s.score.accuracy > 0);
    }
    const int64_t m = majority_sample(mine);
    if (m >= 0) majority_right += mine[size_t(m)].score.accuracy;
  }
  const double total = double(r.records.size());
  r.pass_at_1 = correct / total;
  r.maj_at_k = majority_right / double(r.n);
  r.mean_response_tokens = tokens / total;
  r.format_error_rate = format_errors / total;
  r.tools = tools.has_value();
  r.tool_call_rate = with_call / total;
  r.tool_calls_per_sample = calls / total;
  r.tool_turns_per_sample = turns / total;
  r.tool_errors_per_sample = tool_errors / total;
  if (task.counts_self_checks()) r.self_checks = self_checks.metrics();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

Json eval_result_to_json(const EvalResult& r) {
  Json j = {{"pass@1", r.pass_at_1},
            {"maj@k", r.maj_at_k},
            {"k", r.samples},
            {"mean_response_tokens", r.mean_response_tokens},
            {"format_error_rate", r.format_error_rate},
            {"n", r.n},
            {"samples", r.samples},
            {"generated_tokens", r.generated_tokens},
            {"seconds", r.seconds}};
  if (r.tools)
    j.update({{"tool_call_rate", r.tool_call_rate},
              {"tool_calls_per_sample", r.tool_calls_per_sample},
              {"tool_turns_per_sample", r.tool_turns_per_sample},
              {"tool_errors_per_sample", r.tool_errors_per_sample}});
  if (!r.self_checks.is_null()) j.update(r.self_checks);
  return j;
}

}  // namespace r1::rl
