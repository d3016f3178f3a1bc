// Reasoning tasks with rule-based verifiers: problems generated from a seed or loaded from JSONL,
// and the check of a final answer against a problem. The core of every RL command.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "io/json_file.h"
#include "rl/rational.h"

namespace r1::rl {

struct Problem {
  std::string id;        // stable: "<task>-<hash of the key>" when generated, "id" or line when loaded
  std::string question;  // the text shown to the model (inside the prompt template)
  std::string answer;    // a reference answer (Countdown: one solution; "" if a file gave none)
  Json data;             // the task's own fields, e.g. {"nums": [...], "target": N}
};

struct AnswerCheck {
  bool correct = false;
  std::string reason;  // why not (empty when correct)
};

// The check of tasks whose answer is one number literal equal to `reference` ("17,152" and
// "17152.0" pass for 17152; text around it or an expression does not).
AnswerCheck check_number_literal(const std::string& reference, const std::string& answer);

// A difficulty knob: an integer option with a default and an allowed range.
struct KnobSpec {
  std::string name;
  int64_t default_value = 0, min = 0, max = 0;
  std::string help;
};
using TaskOptions = std::map<std::string, int64_t>;

class Task {
 public:
  virtual ~Task() = default;
  virtual std::string name() const = 0;

  // A problem drawn from `seed` alone (the same seed gives the same problem).
  virtual Problem generate(uint64_t seed) const = 0;
  // One JSONL record in the task's format; FormatError starting with `where` ("file:line")
  // and naming the field that is missing or wrong.
  virtual Problem from_json(const Json& record, const std::string& where) const = 0;
  // The record from_json reads back (generated files are loadable and TinyZero-compatible).
  virtual Json to_json(const Problem& problem) const = 0;
  // Verifies a final answer (the text inside <answer> or \boxed{}).
  virtual AnswerCheck check(const Problem& problem, const std::string& answer) const = 0;
  // What makes two problems the same (Countdown: the sorted numbers and the target); decides
  // de-duplication and the train/eval split.
  virtual std::string key(const Problem& problem) const { return problem.question; }
  // Whether completions are written in the attempt/check notation of rl/self_check.h, so that
  // training and evaluation report attempts, checks and retries (Countdown).
  virtual bool counts_self_checks() const { return false; }
  // The value a check must compare an attempt with (Countdown: the target); nullopt where the
  // task has none, and then a check is judged against the value it names.
  virtual std::optional<Rational> self_check_goal(const Problem&) const { return std::nullopt; }

  // The value of a knob (defaults filled in by make_task).
  int64_t knob(const std::string& name) const;

 protected:
  explicit Task(TaskOptions options) : options_(std::move(options)) {}

 private:
  TaskOptions options_;
};

struct TaskInfo {
  std::string name, description;
  std::vector<KnobSpec> knobs;
};
const std::vector<TaskInfo>& task_infos();

// The task `name` with `options` (missing knobs take their defaults). UsageError for an unknown
// task (listing the known ones), an unknown knob (listing the task's knobs) or a value out of range.
std::unique_ptr<Task> make_task(const std::string& name, const TaskOptions& options = {});

// "name=value" assignments (the CLI's --knob flags) -> options; UsageError on a malformed one.
TaskOptions parse_task_options(const std::vector<std::string>& assignments);

// Every problem of a JSONL file (blank lines skipped); FormatError naming file:line.
std::vector<Problem> load_problems(const Task& task, const std::string& path);
// Writes problems as the task's JSONL, atomically.
void write_problems(const Task& task, const std::vector<Problem>& problems,
                    const std::string& path);

// Held-out evaluation: a problem belongs to the eval split when the FNV-1a hash of its task
// name and key falls in the eval bucket (kEvalPercent of the hash space), otherwise to train.
// The split depends on the problem alone, never on the seed, so generated train and eval sets
// can never share a problem, whatever seeds produced them.
enum class Split { Train, Eval };
constexpr int kEvalPercent = 10;
Split split_of(const Task& task, const Problem& problem);
Split parse_split(const std::string& name);  // "train" / "eval"; UsageError otherwise

// n distinct problems of `split`, generated deterministically from `seed` (problem i of the
// stream uses a seed mixed from `seed` and i; problems of the other split or repeats are
// skipped). UsageError when the knobs allow too few distinct problems.
std::vector<Problem> generate_problems(const Task& task, int64_t n, uint64_t seed, Split split);

}  // namespace r1::rl
