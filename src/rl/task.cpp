// The task registry, knob validation, JSONL loading/writing and the deterministic train/eval
// split of generated problems.
#include "rl/task.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>

#include "core/error.h"
#include "core/hash.h"
#include "io/file_io.h"
#include "rl/problem_rng.h"
#include "rl/rational.h"
#include "rl/tasks.h"

namespace r1::rl {

namespace {

using TaskFactory = std::unique_ptr<Task> (*)(const TaskOptions&);

struct TaskEntry {
  TaskInfo info;
  TaskFactory make;
};

const std::vector<TaskEntry>& registry() {
  static const std::vector<TaskEntry> entries = {
      {{"countdown", "reach the target with each given number once (+ - * /)", countdown_knobs()},
       make_countdown_task},
      {{"arithmetic", "multi-digit integer arithmetic (+ - *)", arithmetic_knobs()},
       make_arithmetic_task},
      {{"variables", "sums of named values (Let a = 7, b = 2. What is a - b?)", variables_knobs()},
       make_variables_task},
      {{"linear", "solve a x + b = c x + d for x", linear_knobs()}, make_linear_task},
      {{"gsm8k", "word problems, final answer after ####", gsm8k_knobs()}, make_gsm8k_task},
      {{"math", "\\boxed{} answers compared after normalisation", math_knobs()}, make_math_task},
  };
  return entries;
}

std::string known_names(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) {
    if (!s.empty()) s += ", ";
    s += n;
  }
  return s;
}


}  // namespace

AnswerCheck check_number_literal(const std::string& reference, const std::string& answer) {
  const std::optional<Rational> got = parse_number(answer);
  if (!got) return {false, "not a number literal: " + quote_untrusted(answer)};
  if (*got != *parse_number(reference)) return {false, got->to_string() + " is not " + reference};
  return {true, ""};
}

int64_t Task::knob(const std::string& name) const {
  const auto it = options_.find(name);
  R1_ASSERT_MSG(it != options_.end(), "task " + this->name() + " has no knob " + name);
  return it->second;
}

const std::vector<TaskInfo>& task_infos() {
  static const std::vector<TaskInfo> infos = [] {
    std::vector<TaskInfo> v;
    for (const TaskEntry& e : registry()) v.push_back(e.info);
    return v;
  }();
  return infos;
}

std::unique_ptr<Task> make_task(const std::string& name, const TaskOptions& options) {
  std::vector<std::string> names;
  for (const TaskEntry& e : registry()) {
    names.push_back(e.info.name);
    if (e.info.name != name) continue;
    TaskOptions resolved;
    std::vector<std::string> knob_names;
    for (const KnobSpec& k : e.info.knobs) {
      resolved[k.name] = k.default_value;
      knob_names.push_back(k.name);
    }
    for (const auto& option : options) {
      const std::string& key = option.first;
      const int64_t value = option.second;
      const auto spec = std::find_if(e.info.knobs.begin(), e.info.knobs.end(),
                                     [&](const KnobSpec& k) { return k.name == key; });
      if (spec == e.info.knobs.end())
        throw UsageError("task " + name + " has no knob " + quote_untrusted(key) + " (knobs: " +
                         (knob_names.empty() ? std::string("none") : known_names(knob_names)) +
                         ")");
      if (value < spec->min || value > spec->max)
        throw UsageError("task " + name + ": knob " + key + "=" + std::to_string(value) +
                         " is out of range [" + std::to_string(spec->min) + ", " +
                         std::to_string(spec->max) + "]");
      resolved[key] = value;
    }
    return e.make(resolved);
  }
  throw UsageError("unknown task " + quote_untrusted(name) + " (known: " + known_names(names) +
                   ")");
}

TaskOptions parse_task_options(const std::vector<std::string>& assignments) {
  TaskOptions options;
  for (const std::string& a : assignments) {
    const size_t eq = a.find('=');
    const std::string key = a.substr(0, eq == std::string::npos ? a.size() : eq);
    const std::string value = eq == std::string::npos ? "" : a.substr(eq + 1);
    size_t used = 0;
    int64_t v = 0;
    try {
      v = std::stoll(value, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (key.empty() || value.empty() || used != value.size())
      throw UsageError("--knob " + quote_untrusted(a) + ": expected NAME=INTEGER");
    options[key] = v;
  }
  return options;
}

std::vector<Problem> load_problems(const Task& task, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path + ": cannot open");
  std::vector<Problem> problems;
  std::set<std::string> ids;
  int64_t line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(line_no);
    const Json record = parse_json(where, line.data(), line.data() + line.size());
    if (!record.is_object())
      throw FormatError(where + ": expected a JSON object, got " + json_preview(record));
    Problem p = task.from_json(record, where);
    if (record.contains("id")) {
      if (!record["id"].is_string())
        throw FormatError(where + ": field \"id\": expected a string, got " +
                          json_preview(record["id"]));
      p.id = record["id"].get<std::string>();
    } else {
      p.id = task.name() + "-line" + std::to_string(line_no);
    }
    if (!ids.insert(p.id).second)
      throw FormatError(where + ": id " + quote_untrusted(p.id) + " appears twice");
    problems.push_back(std::move(p));
  }
  if (in.bad()) throw IoError(path + ": read error");
  return problems;
}

void write_problems(const Task& task, const std::vector<Problem>& problems,
                    const std::string& path) {
  std::string text;
  for (const Problem& p : problems) {
    Json record = task.to_json(p);
    record["id"] = p.id;
    text += record.dump() + "\n";
  }
  write_text_file_atomic(path, text);
}

Split split_of(const Task& task, const Problem& problem) {
  const uint64_t h = fnv1a(task.name() + "\n" + task.key(problem));
  return h % 100 < uint64_t(kEvalPercent) ? Split::Eval : Split::Train;
}

Split parse_split(const std::string& name) {
  if (name == "train") return Split::Train;
  if (name == "eval") return Split::Eval;
  throw UsageError("unknown split " + quote_untrusted(name) + " (known: train, eval)");
}

std::vector<Problem> generate_problems(const Task& task, int64_t n, uint64_t seed, Split split) {
  std::vector<Problem> problems;
  std::set<std::string> keys;
  // Each split holds a fixed share of the problem space; when the knobs allow only a few
  // distinct problems the stream stops finding new ones, and the attempt budget ends it.
  const int64_t max_attempts = 200 * n + 10000;
  for (int64_t i = 0; i < max_attempts && int64_t(problems.size()) < n; ++i) {
    Problem p = task.generate(mix_seed(seed, uint64_t(i)));
    if (split_of(task, p) != split) continue;
    const std::string key = task.key(p);
    if (!keys.insert(key).second) continue;
    char hex[20];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a(key)));
    p.id = task.name() + "-" + hex;
    problems.push_back(std::move(p));
  }
  if (int64_t(problems.size()) < n)
    throw UsageError("task " + task.name() + ": only " + std::to_string(problems.size()) +
                     " distinct problems of this split found for --n " + std::to_string(n) +
                     "; raise the difficulty knobs");
  return problems;
}

}  // namespace r1::rl
