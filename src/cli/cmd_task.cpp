// `r1 task`: the RL tasks from the command line. `list` shows the tasks and their knobs,
// `generate` writes a task's problems as JSONL, `corpus` a pretraining corpus of worked
// solutions and guesses, `check` scores completions against problems line by line (a debugging
// tool for people writing their own data or reward settings).
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/task_flags.h"
#include "core/error.h"
#include "io/json_file.h"
#include "rl/self_check.h"
#include "rl/task_json.h"
#include "rl/worked_solution.h"

namespace r1::cli {

namespace {

struct GenerateArgs {
  TaskFlags task;
  std::string split = "train", out;
  int64_t n = 0;
  uint64_t seed = 0;
};

struct CorpusArgs {
  TaskFlags task;
  rl::CorpusOptions corpus;
  std::string out, text_out, format = "text";
  int64_t n = 0;
};

struct CheckArgs {
  TaskFlags task;
  std::string data, completions;
  rl::RewardConfig reward;
  bool prompt_opens_think = false, json = false;
};

void run_list() {
  for (const rl::TaskInfo& t : rl::task_infos()) {
    std::printf("%-11s %s\n", t.name.c_str(), t.description.c_str());
    for (const rl::KnobSpec& k : t.knobs)
      std::printf("  %-16s default %-6lld [%lld, %lld]  %s\n", k.name.c_str(),
                  static_cast<long long>(k.default_value), static_cast<long long>(k.min),
                  static_cast<long long>(k.max), k.help.c_str());
  }
}

void run_generate(const GenerateArgs& a) {
  if (a.n <= 0 || a.n > 10000000)
    throw UsageError("--n: expected a count in [1, 10000000], got " + std::to_string(a.n));
  const std::unique_ptr<rl::Task> task = make_task_from_flags(a.task);
  const std::vector<rl::Problem> problems =
      rl::generate_problems(*task, a.n, a.seed, rl::parse_split(a.split));
  rl::write_problems(*task, problems, a.out);
  std::printf("wrote %zu %s problems (%s split) to %s\n", problems.size(), task->name().c_str(),
              a.split.c_str(), a.out.c_str());
}

void run_corpus(const CorpusArgs& a) {
  if (a.n <= 0 || a.n > 10000000)
    throw UsageError("--n: expected a count in [1, 10000000], got " + std::to_string(a.n));
  const std::unique_ptr<rl::Task> task = make_task_from_flags(a.task);
  // Train-split problems only: a model pretrained on the corpus never saw an eval problem.
  const std::vector<rl::Problem> problems =
      rl::generate_problems(*task, a.n, a.corpus.seed, rl::Split::Train);
  if (a.format != "text" && a.format != "prompt-completion")
    throw UsageError("--format: expected text or prompt-completion, got '" + a.format + "'");
  std::string lines, text;
  rl::SelfCheckTally tally;
  size_t arithmetic_documents = 0;
  for (const rl::CorpusDocument& doc : rl::r1_zero_corpus(*task, problems, a.corpus)) {
    lines += (a.format == "text" ? Json{{"text", doc.text()}}
                                 : Json{{"prompt", doc.prompt}, {"completion", doc.completion}})
                 .dump() +
             "\n";
    text += doc.text() + "\n";
    if (doc.prompt.empty())
      ++arithmetic_documents;
    else if (task->counts_self_checks())
      tally.add(rl::count_self_checks(doc.completion), false);
  }
  write_text_file_atomic(a.out, lines);
  if (!a.text_out.empty()) write_text_file_atomic(a.text_out, text);
  if (task->counts_self_checks()) {
    const Json m = tally.metrics();
    std::printf("wrote %zu countdown search traces (%.1f%% checked, %.1f%% with a retry, %.2f "
                "attempts each) and %zu arithmetic documents to %s\n",
                problems.size(), m["check_rate"].get<double>() * 100.0,
                m["retry_rollout_rate"].get<double>() * 100.0,
                m["attempts_per_rollout"].get<double>(), arithmetic_documents, a.out.c_str());
    return;
  }
  std::printf("wrote %zu %s documents (%.0f%% with worked solutions", problems.size(),
              task->name().c_str(), a.corpus.careful_fraction * 100.0);
  if (a.corpus.tool_prompt_fraction > 0)
    std::printf("; %.0f%% offered the calculator, %.0f%% of those call it",
                a.corpus.tool_prompt_fraction * 100.0, a.corpus.tool_call_fraction * 100.0);
  std::printf(") to %s\n", a.out.c_str());
}

struct Completion {
  std::string where, text;
  size_t problem = 0;  // index into the problems
  int64_t tokens = 0;
};

// Completions JSONL: {"completion": TEXT, "id"?: problem id, "tokens"?: count}. Without "id" the
// k-th completion belongs to the k-th problem.
std::vector<Completion> load_completions(const std::string& path,
                                         const std::vector<rl::Problem>& problems,
                                         bool need_tokens) {
  std::map<std::string, size_t> by_id;
  for (size_t i = 0; i < problems.size(); ++i) by_id[problems[i].id] = i;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path + ": cannot open");
  std::vector<Completion> out;
  int64_t line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Completion c;
    c.where = path + ":" + std::to_string(line_no);
    const Json record = parse_json(c.where, line.data(), line.data() + line.size());
    if (!record.is_object())
      throw FormatError(c.where + ": expected a JSON object with \"completion\"");
    c.text = rl::json_string_field(record, "completion", c.where);
    if (record.contains("id")) {
      const std::string id = rl::json_string_field(record, "id", c.where);
      const auto it = by_id.find(id);
      if (it == by_id.end())
        throw FormatError(c.where + ": id " + quote_untrusted(id) + " is not in the data file");
      c.problem = it->second;
    } else {
      c.problem = out.size();
      if (c.problem >= problems.size())
        throw FormatError(c.where + ": more completions than problems (" +
                          std::to_string(problems.size()) + ") and no \"id\" to match one");
    }
    if (need_tokens || record.contains("tokens"))
      c.tokens = rl::json_int_field(record, "tokens", c.where, 0, int64_t(1) << 40);
    out.push_back(std::move(c));
  }
  if (in.bad()) throw IoError(path + ": read error");
  return out;
}

void run_check(const CheckArgs& a) {
  rl::validate(a.reward);
  const rl::TemplateKind kind = rl::parse_template_kind(a.task.template_name);
  const std::unique_ptr<rl::Task> task = make_task_from_flags(a.task);
  const std::vector<rl::Problem> problems = rl::load_problems(*task, a.data);
  const std::vector<Completion> completions =
      load_completions(a.completions, problems, a.reward.max_tokens > 0);
  double sum_total = 0, sum_accuracy = 0, sum_format = 0;
  for (const Completion& c : completions) {
    const rl::Problem& p = problems[c.problem];
    const rl::RewardBreakdown r = rl::compute_reward(*task, p, c.text, c.tokens, kind,
                                                     a.prompt_opens_think, a.reward);
    sum_total += r.total;
    sum_accuracy += r.accuracy;
    sum_format += r.format;
    if (a.json) {
      Json j = rl::reward_to_json(r);
      j["where"] = c.where;
      j["id"] = p.id;
      std::printf("%s\n", j.dump().c_str());
    } else {
      std::printf("%s  %s  total %.3f  accuracy %.0f  format %.0f  overlong %.3f  answer %s%s%s\n",
                  c.where.c_str(), p.id.c_str(), r.total, r.accuracy, r.format, r.overlong,
                  r.has_answer ? quote_untrusted(r.answer).c_str() : "(none)",
                  r.reason.empty() ? "" : "  ", r.reason.c_str());
    }
  }
  if (!a.json && !completions.empty()) {
    const double n = double(completions.size());
    std::printf("n %zu  mean total %.3f  accuracy %.3f  format %.3f\n", completions.size(),
                sum_total / n, sum_accuracy / n, sum_format / n);
  }
}

void add_task_generate(CLI::App& parent) {
  auto a = std::make_shared<GenerateArgs>();
  CLI::App* cmd = parent.add_subcommand("generate", "Write generated problems as the task's JSONL");
  add_task_flags(cmd, a->task);
  cmd->add_option("--n", a->n, "number of problems")->required();
  cmd->add_option("--seed", a->seed, "generator seed (default 0)");
  cmd->add_option("--split", a->split,
                  "train | eval (default train): held-out problems never appear in train");
  cmd->add_option("--out", a->out, "JSONL file to write (atomically)")->required();
  cmd->callback([a] { run_generate(*a); });
}

void add_task_corpus(CLI::App& parent) {
  auto a = std::make_shared<CorpusArgs>();
  CLI::App* cmd = parent.add_subcommand(
      "corpus", "Pretraining JSONL ({\"text\"}): R1-Zero prompts with worked solutions or quick guesses");
  add_task_flags(cmd, a->task);
  cmd->add_option("--n", a->n, "documents (train-split problems)")->required();
  cmd->add_option("--seed", a->corpus.seed, "problem and mix seed (default 0)");
  cmd->add_option("--worked-fraction", a->corpus.careful_fraction,
                  "share of documents with a worked solution (default 0.3)");
  cmd->add_option("--guess-spread", a->corpus.guess_spread, "a guess is the answer +- up to this (default 4)");
  cmd->add_option("--check-fraction", a->corpus.search.check_fraction,
                  "countdown: share of documents whose attempts are checked (default 0.2)");
  cmd->add_option("--retry-fraction", a->corpus.search.retry_fraction,
                  "countdown: share of failed checks followed by another attempt (default 0.15)");
  cmd->add_option("--solved-fraction", a->corpus.search.solved_fraction,
                  "countdown: share of attempts that are a solution, the rest near misses "
                  "(default 0.4)");
  cmd->add_option("--max-attempts", a->corpus.search.max_attempts,
                  "countdown: most attempts in one document; a search that has not solved the "
                  "problem by then answers with its last attempt (default 4)");
  cmd->add_option("--arithmetic-fraction", a->corpus.search.arithmetic_fraction,
                  "countdown: share of problems that also get a document evaluating random "
                  "combinations of their numbers, outside the R1-Zero format (default 0)");
  cmd->add_option("--tool-prompt-fraction", a->corpus.tool_prompt_fraction,
                  "share of documents whose prompt offers the calculator (default 0)");
  cmd->add_option("--tool-call-fraction", a->corpus.tool_call_fraction,
                  "share of those that call it and answer from its output (default 0.5)");
  cmd->add_option("--out", a->out, "output JSONL (for `r1 data tokenize`)")->required();
  cmd->add_option("--format", a->format,
                  "text: {\"text\"} documents for pretraining | prompt-completion: {\"prompt\", "
                  "\"completion\"} records for `r1 sft` (default text)");
  cmd->add_option("--text-out", a->text_out,
                  "also the documents as plain text, one per line (for `r1 tokenizer train`)");
  cmd->callback([a] { run_corpus(*a); });
}

void add_task_check(CLI::App& parent) {
  auto a = std::make_shared<CheckArgs>();
  CLI::App* cmd = parent.add_subcommand(
      "check",
      "Score completions ({\"completion\", \"id\"?, \"tokens\"?} JSONL) against problems; "
      "\"tokens\" is required with --overlong-max");
  add_task_flags(cmd, a->task);
  cmd->add_option("--data", a->data, "problems JSONL in the task's format")->required();
  cmd->add_option("--completions", a->completions, "completions JSONL")->required();
  add_template_flag(cmd, a->task);
  cmd->add_flag("--prompt-opens-think", a->prompt_opens_think,
                "the prompt ended with <think> (R1 chat templates), so completions start inside it");
  add_reward_flags(cmd, a->reward);
  cmd->add_flag("--json", a->json, "one JSON object per completion");
  cmd->callback([a] { run_check(*a); });
}

}  // namespace

void add_task(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "task", "RL tasks: list, generate problems, write a pretraining corpus, check completions");
  cmd->require_subcommand(1);
  cmd->add_subcommand("list", "List the tasks and their difficulty knobs")->callback(run_list);
  add_task_generate(*cmd);
  add_task_corpus(*cmd);
  add_task_check(*cmd);
}

}  // namespace r1::cli
