// The task registry (names, knobs, errors), JSONL loading with file:line errors, writing and
// reading back, and generated train/eval sets that are deterministic and never overlap.
#include <gtest/gtest.h>

#include <set>

#include "core/error.h"
#include "io_test_util.h"
#include "rl/task.h"

namespace r1::rl {
namespace {

template <typename E, typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(RlTask, EveryRegisteredTaskIsMadeWithItsDefaults) {
  std::set<std::string> names;
  for (const TaskInfo& info : task_infos()) {
    names.insert(info.name);
    const std::unique_ptr<Task> task = make_task(info.name);
    EXPECT_EQ(task->name(), info.name);
    for (const KnobSpec& k : info.knobs) {
      EXPECT_EQ(task->knob(k.name), k.default_value) << info.name << " " << k.name;
      EXPECT_LE(k.min, k.default_value);
      EXPECT_LE(k.default_value, k.max);
    }
  }
  EXPECT_EQ(names, (std::set<std::string>{"countdown", "arithmetic", "variables", "linear", "gsm8k", "math"}));
}

TEST(RlTask, UnknownNamesKnobsAndValuesAreClearUsageErrors) {
  EXPECT_EQ(error_of<UsageError>([] { make_task("sudoku"); }),
            "unknown task 'sudoku' (known: countdown, arithmetic, variables, linear, gsm8k, math)");
  EXPECT_EQ(error_of<UsageError>([] { make_task("countdown", {{"digits", 3}}); }),
            "task countdown has no knob 'digits' (knobs: min_numbers, max_numbers, max_number, "
            "max_target)");
  EXPECT_EQ(error_of<UsageError>([] { make_task("arithmetic", {{"digits", 0}}); }),
            "task arithmetic: knob digits=0 is out of range [1, 9]");
  EXPECT_EQ(error_of<UsageError>([] {
              make_task("countdown", {{"min_numbers", 5}, {"max_numbers", 3}});
            }),
            "task countdown: knob min_numbers=5 is larger than max_numbers=3");
}

TEST(RlTask, ParsesKnobAssignments) {
  EXPECT_EQ(parse_task_options({"digits=4", "operands=3"}),
            (TaskOptions{{"digits", 4}, {"operands", 3}}));
  EXPECT_EQ(parse_task_options({"max_target=-2"}), (TaskOptions{{"max_target", -2}}));
  for (const char* bad : {"digits", "digits=", "=4", "digits=4x", "digits=four", "digits=1e3",
                          "digits=99999999999999999999"})
    EXPECT_EQ(error_of<UsageError>([&] { parse_task_options({bad}); }),
              "--knob '" + std::string(bad) + "': expected NAME=INTEGER");
}

TEST(RlTask, GenerationIsDeterministicAndDistinct) {
  for (const TaskInfo& info : task_infos()) {
    const std::unique_ptr<Task> task = make_task(info.name);
    const std::vector<Problem> a = generate_problems(*task, 50, 7, Split::Train);
    const std::vector<Problem> b = generate_problems(*task, 50, 7, Split::Train);
    const std::vector<Problem> c = generate_problems(*task, 50, 8, Split::Train);
    ASSERT_EQ(a.size(), 50u);
    std::set<std::string> keys, ids;
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].question, b[i].question) << info.name;
      EXPECT_EQ(a[i].id, b[i].id) << info.name;
      keys.insert(task->key(a[i]));
      ids.insert(a[i].id);
      // The reference answer passes the task's own verifier.
      EXPECT_TRUE(task->check(a[i], a[i].answer).correct) << info.name << " " << a[i].question;
    }
    EXPECT_EQ(keys.size(), 50u) << info.name;
    EXPECT_EQ(ids.size(), 50u) << info.name;
    int same = 0;
    for (size_t i = 0; i < a.size(); ++i) same += a[i].question == c[i].question;
    EXPECT_LT(same, 5) << info.name << ": another seed should give other problems";
  }
}

TEST(RlTask, TrainAndEvalSplitsNeverShareAProblem) {
  for (const TaskInfo& info : task_infos()) {
    const std::unique_ptr<Task> task = make_task(info.name);
    std::set<std::string> train_keys;
    for (uint64_t seed : {1, 2, 3})
      for (const Problem& p : generate_problems(*task, 200, seed, Split::Train)) {
        EXPECT_EQ(split_of(*task, p), Split::Train);
        train_keys.insert(task->key(p));
      }
    for (uint64_t seed : {1, 4})
      for (const Problem& p : generate_problems(*task, 50, seed, Split::Eval)) {
        EXPECT_EQ(split_of(*task, p), Split::Eval);
        EXPECT_EQ(train_keys.count(task->key(p)), 0u) << info.name << ": " << p.question;
      }
  }
}

TEST(RlTask, TooFewDistinctProblemsIsAUsageError) {
  // One-digit sums of two numbers: 200 distinct problems at most, about 20 of them held out.
  const std::unique_ptr<Task> task = make_task("arithmetic", {{"digits", 1}, {"multiply", 0}});
  EXPECT_NO_THROW(generate_problems(*task, 10, 0, Split::Eval));
  const std::string e = error_of<UsageError>([&] { generate_problems(*task, 500, 0, Split::Eval); });
  EXPECT_NE(e.find("task arithmetic: only "), std::string::npos) << e;
  EXPECT_NE(e.find("raise the difficulty knobs"), std::string::npos) << e;
}

TEST(RlTask, WrittenProblemsLoadBackUnchanged) {
  testing::TempDir dir;
  for (const TaskInfo& info : task_infos()) {
    const std::unique_ptr<Task> task = make_task(info.name);
    const std::vector<Problem> problems = generate_problems(*task, 20, 3, Split::Train);
    const std::string path = dir.file(info.name + ".jsonl");
    write_problems(*task, problems, path);
    const std::vector<Problem> loaded = load_problems(*task, path);
    ASSERT_EQ(loaded.size(), problems.size());
    for (size_t i = 0; i < loaded.size(); ++i) {
      EXPECT_EQ(loaded[i].id, problems[i].id);
      EXPECT_EQ(loaded[i].question, problems[i].question);
      EXPECT_EQ(loaded[i].answer, problems[i].answer);
      EXPECT_EQ(loaded[i].data, problems[i].data) << info.name;
    }
  }
}

TEST(RlTask, LoaderNamesFileLineAndField) {
  testing::TempDir dir;
  const std::unique_ptr<Task> task = make_task("countdown");
  const auto load_error = [&](const std::string& text) {
    const std::string path = dir.file("bad.jsonl");
    testing::write_bytes(path, text);
    return error_of<FormatError>([&] { load_problems(*task, path); });
  };
  const std::string p = dir.file("bad.jsonl");
  EXPECT_EQ(load_error("{\"nums\": [1, 2], \"target\": 3}\n\n[1, 2]\n"),
            p + ":3: expected a JSON object, got [1, 2]");
  EXPECT_EQ(load_error("{\"nums\": [1, 2]}\n"), p + ":1: missing field \"target\"");
  EXPECT_EQ(load_error("{\"nums\": [1, 2.5], \"target\": 3}\n"),
            p + ":1: field \"nums[1]\": expected an integer in [0, 1000000], got 2.5");
  EXPECT_EQ(load_error("{\"nums\": [1, 2], \"target\": \"3\"}\n"),
            p + ":1: field \"target\": expected an integer in [-1000000000000, 1000000000000], got \"3\"");
  EXPECT_EQ(load_error("{\"nums\": [1, 2], \"target\": 18446744073709551615}\n"),
            p + ":1: field \"target\": expected an integer in [-1000000000000, 1000000000000], got 18446744073709551615");
  EXPECT_EQ(load_error("{\"nums\": [1], \"target\": 1}\n"),
            p + ":1: field \"nums\": expected 2 to 12 numbers, got 1");
  EXPECT_EQ(load_error("{\"nums\": 5, \"target\": 1}\n"),
            p + ":1: field \"nums\": expected an array of integers");
  EXPECT_EQ(load_error("{\"id\": \"a\", \"nums\": [1, 2], \"target\": 3}\n"
                       "{\"id\": \"a\", \"nums\": [1, 3], \"target\": 4}\n"),
            p + ":2: id 'a' appears twice");
  EXPECT_EQ(load_error("{\"id\": 7, \"nums\": [1, 2], \"target\": 3}\n"),
            p + ":1: field \"id\": expected a string, got 7");
  const std::string truncated = load_error("{\"nums\": [1, 2], \"target\": 3}\n{\"nums\": [1,");
  EXPECT_EQ(truncated.rfind(p + ":2", 0), 0u) << truncated;
  EXPECT_EQ(error_of<IoError>([&] { load_problems(*task, dir.file("missing.jsonl")); }),
            dir.file("missing.jsonl") + ": cannot open");
}

TEST(RlTask, LoadedProblemsWithoutIdAreNamedByLine) {
  testing::TempDir dir;
  const std::unique_ptr<Task> task = make_task("countdown");
  testing::write_bytes(dir.file("d.jsonl"),
                       "{\"nums\": [1, 2], \"target\": 3}\n\n{\"nums\": [4, 2], \"target\": 2}\n");
  const std::vector<Problem> problems = load_problems(*task, dir.file("d.jsonl"));
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].id, "countdown-line1");
  EXPECT_EQ(problems[1].id, "countdown-line3");
  EXPECT_EQ(problems[1].answer, "");
}

}  // namespace
}  // namespace r1::rl
