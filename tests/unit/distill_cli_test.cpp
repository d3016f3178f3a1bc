// `r1 reject` and `r1 distill` end to end on tiny models. A random model never writes a
// verifiable answer, so each test first teaches a tiny teacher (by `r1 sft` on
// prompt-completion or chat records) to answer every linear equation with x = 0; with solutions
// drawn from {-1, 0, 1} about a third of its well-formed answers are right, and only those may
// be kept. The distilled student must then write verified answers on held-out problems.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>

#include "chat/chat_template.h"
#include "io/json_file.h"
#include "rl/answer_format.h"
#include "rl/prompt_template.h"
#include "rl/task.h"
#include "test_util.h"
#include "tokenizer/tokenizer.h"
#include "train/metrics.h"

namespace r1 {
namespace {

const std::string kTaskFlags = " --task linear --knob max_solution=1";
// What the teacher learns to answer: right exactly when the solution is 0.
const std::string kR1ZeroTrace = "<think>zero</think> <answer>0</answer>";
const std::string kR1Trace = "<think>\nzero\n</think>\n\n\\boxed{0}";

std::unique_ptr<rl::Task> linear_task() {
  return rl::make_task("linear", {{"max_solution", 1}});
}

std::vector<rl::Problem> problems(int64_t n, uint64_t seed, rl::Split split = rl::Split::Train) {
  return rl::generate_problems(*linear_task(), n, seed, split);
}

std::vector<OrderedJson> read_records(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::vector<OrderedJson> out;
  for (std::string line; std::getline(in, line);) out.push_back(parse_ordered_json(path, line));
  return out;
}

void write_records(const std::string& path, const std::vector<OrderedJson>& records) {
  std::string text;
  for (const OrderedJson& r : records) text += r.dump() + "\n";
  write_text_file_atomic(path, text);
}

OrderedJson chat_record(const std::string& question, const std::string& answer) {
  OrderedJson messages = OrderedJson::array();
  messages.push_back({{"role", "user"}, {"content", rl::r1_user_message(question)}});
  messages.push_back({{"role", "assistant"}, {"content", answer}});
  return OrderedJson{{"messages", messages}};
}

// The last line of `out` as JSON (--json prints one object).
Json last_json_line(const std::string& out) {
  const size_t end = out.find_last_not_of('\n');
  const size_t start = out.rfind('\n', end);
  const std::string line = out.substr(start == std::string::npos ? 0 : start + 1);
  return parse_json("output", line.data(), line.data() + line.size());
}

class DistillCli : public ::testing::Test {
 protected:
  // A BPE trained on the prompts and traces until every word of them is one token (about 450
  // tokens, an R1-Zero prompt about 100, so prompt and trace fit in --seq-len 128), with R1's
  // chat template.
  void SetUp() override {
    dir_ = test::make_temp_dir("distill");
    std::string corpus;
    for (const rl::Problem& p : problems(300, 9))
      corpus += rl::r1_zero_prompt(p.question) + " " + kR1ZeroTrace + "\n" +
                rl::r1_user_message(p.question) + "\n" + kR1Trace + "\n";
    write_text_file_atomic(dir_ + "/corpus.txt", corpus);
    const Json config = read_json_file(std::string(R1_SOURCE_DIR) +
                                       "/tests/chat_template/templates/deepseek_r1/"
                                       "tokenizer_config.json");
    write_text_file_atomic(dir_ + "/r1.jinja", config["chat_template"].get<std::string>());
    run_ok("tokenizer train --quiet --vocab-size 600 --corpus " + dir_ + "/corpus.txt" +
           " --chat-template " + dir_ + "/r1.jinja --out " + dir_ + "/tok");
  }

  std::string run_ok(const std::string& args) {
    const test::RunResult r = test::run_r1(args);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.out;
    return r.out;
  }

  // A random model of `preset` with the test tokenizer.
  std::string init(const std::string& preset, const std::string& name) {
    run_ok("init --preset " + preset + " --dtype f32 --tokenizer " + dir_ + "/tok --out " + dir_ +
           "/" + name);
    return dir_ + "/" + name;
  }

  // A tiny DeepSeek-V3 teacher fine-tuned to answer 0 in the template's format.
  std::string teacher(rl::TemplateKind kind) {
    std::vector<OrderedJson> records;
    for (const rl::Problem& p : problems(64, 5))
      records.push_back(kind == rl::TemplateKind::R1Zero
                            ? OrderedJson{{"prompt", rl::r1_zero_prompt(p.question)},
                                          {"completion", kR1ZeroTrace}}
                            : chat_record(p.question, kR1Trace));
    write_records(dir_ + "/teach.jsonl", records);
    run_ok("sft --model " + init("tiny", "teacher_base") + " --data " + dir_ +
           "/teach.jsonl --out " + dir_ +
           "/teacher --steps 40 --batch 4 --seq-len 128 --lr 5e-3 "
           "--schedule constant -q -t 2");
    return dir_ + "/teacher";
  }

  // Every record is a verified, well-formed answer to one of `from`, no two alike; returns the
  // problems they answer.
  std::vector<rl::Problem> check_traces(const std::vector<OrderedJson>& records,
                                        const std::vector<rl::Problem>& from,
                                        rl::TemplateKind kind) {
    std::map<std::string, rl::Problem> by_prompt;
    for (const rl::Problem& p : from)
      by_prompt[kind == rl::TemplateKind::R1Zero ? rl::r1_zero_prompt(p.question)
                                                 : rl::r1_user_message(p.question)] = p;
    const std::unique_ptr<rl::Task> task = linear_task();
    std::set<std::string> seen;
    std::vector<rl::Problem> answered;
    for (const OrderedJson& r : records) {
      const bool zero = kind == rl::TemplateKind::R1Zero;
      const std::string prompt =
          (zero ? r["prompt"] : r["messages"][0]["content"]).get<std::string>();
      std::string completion =
          (zero ? r["completion"] : r["messages"][1]["content"]).get<std::string>();
      EXPECT_TRUE(seen.insert(prompt + completion).second) << "a repeated trace: " << completion;
      const auto it = by_prompt.find(prompt);
      if (it == by_prompt.end()) {
        ADD_FAILURE() << "a trace of no problem: " << prompt;
        continue;
      }
      if (!zero) {  // the R1 prompt opened the thinking: the completion came after it
        EXPECT_EQ(completion.rfind("<think>\n", 0), 0u) << completion;
        completion.erase(0, 8);
      }
      const rl::ParsedCompletion parsed = rl::parse_completion(completion, kind, !zero);
      EXPECT_TRUE(parsed.format_ok) << completion << ": " << parsed.reason;
      EXPECT_TRUE(task->check(it->second, parsed.answer).correct)
          << it->second.question << " answered " << parsed.answer;
      answered.push_back(it->second);
    }
    return answered;
  }

  std::string dir_;
};

int64_t count_zero_solutions(const std::vector<rl::Problem>& ps) {
  return std::count_if(ps.begin(), ps.end(), [](const rl::Problem& p) { return p.answer == "0"; });
}

TEST_F(DistillCli, RejectKeepsOnlyVerifiedDistinctTraces) {
  const std::string model = teacher(rl::TemplateKind::R1Zero);
  const std::vector<rl::Problem> ps = problems(24, 3);
  rl::write_problems(*linear_task(), ps, dir_ + "/problems.jsonl");
  // Greedy: the 3 samples of a problem are one text, kept once.
  const Json j = last_json_line(run_ok("reject --model " + model + kTaskFlags + " --data " + dir_ +
                                       "/problems.jsonl --samples 3 --temperature 0 -n 24" +
                                       " --out " + dir_ + "/traces.jsonl --json -t 2"));
  EXPECT_EQ(j.at("problems"), 24);
  EXPECT_EQ(j.at("sampled"), 72);
  const std::vector<OrderedJson> records = read_records(dir_ + "/traces.jsonl");
  EXPECT_EQ(j.at("kept").get<size_t>(), records.size());
  EXPECT_EQ(j.at("problems_kept").get<size_t>(), records.size());
  const std::vector<rl::Problem> answered = check_traces(records, ps, rl::TemplateKind::R1Zero);
  // The teacher answers 0 to (nearly) all: most problems whose solution is 0 are kept, and
  // their 3 samples each count in pass@1.
  const int64_t zeros = count_zero_solutions(ps);
  ASSERT_GT(zeros, 3);
  EXPECT_GE(int64_t(answered.size()), zeros / 2);
  EXPECT_LE(int64_t(answered.size()), zeros);
  EXPECT_GE(j.at("pass@1").get<double>() * 24 + 1e-9, double(answered.size()));
  EXPECT_LT(j.at("pass@1").get<double>(), 0.6);  // the wrong-but-well-formed ones were dropped
}

// A teacher and a student given as GGUF files (f32 exports of the directories) keep the same
// traces and take the same first step.
TEST_F(DistillCli, GgufTeacherAndStudentDistillLikeTheirDirectories) {
  const std::string model = teacher(rl::TemplateKind::R1Zero);
  const std::string student = init("tiny-qwen2", "student_base");
  for (const std::string& m : {model, student})
    run_ok("convert --model " + m + " --out " + m + ".gguf --type f32 --quiet");
  auto distill = [&](const std::string& suffix, const std::string& out) {
    run_ok("distill --teacher " + model + suffix + " --student " + student + suffix + kTaskFlags +
           " --problems 12 --problem-seed 3 --samples 2 --temperature 0 -n 24 --out " + dir_ + "/" +
           out + " --steps 1 --batch 4 --seq-len 128 --data-order sequential -q -t 2");
    return read_metrics(dir_ + "/" + out + ".metrics.jsonl").at(0).at("loss").get<double>();
  };
  const double want = distill("", "from_dirs"), got = distill(".gguf", "from_gguf");
  EXPECT_EQ(read_records(dir_ + "/from_gguf.traces.jsonl"),
            read_records(dir_ + "/from_dirs.traces.jsonl"));
  EXPECT_NEAR(got, want, 1e-5 * want);
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/from_gguf/config.json"));
}

// Under mpirun each rank samples its share of the problems and trains on its rows: the same
// traces and the same steps as one process.
TEST_F(DistillCli, TwoRanksDistillLikeOneProcess) {
  const std::string model = teacher(rl::TemplateKind::R1Zero);
  const std::string student = init("tiny-qwen2", "student_base");
  const std::string args = "distill --teacher " + model + " --student " + student + kTaskFlags +
                           " --problems 12 --problem-seed 3 --samples 2 --temperature 0 -n 24 "
                           "--steps 3 --batch 4 --seq-len 128 -q -t 1 --out " +
                           dir_;
  run_ok(args + "/one");
  const test::RunResult two = test::run_r1_ranks(2, args + "/two");
  ASSERT_EQ(two.exit_code, 0) << two.out;
  EXPECT_EQ(read_records(dir_ + "/two.traces.jsonl"), read_records(dir_ + "/one.traces.jsonl"));
  const std::vector<Json> a = read_metrics(dir_ + "/one.metrics.jsonl"),
                          b = read_metrics(dir_ + "/two.metrics.jsonl");
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 3u);
  for (size_t i = 0; i < 3; ++i)
    EXPECT_NEAR(b[i].at("loss").get<double>(), a[i].at("loss").get<double>(),
                1e-6 * a[i].at("loss").get<double>())
        << "step " << i;
}

TEST_F(DistillCli, DistillTeachesTheStudentTheVerifiedTraces) {
  const std::string model = teacher(rl::TemplateKind::R1Zero);
  const std::string student = init("tiny-qwen2", "student_base");
  const std::string out =
      run_ok("distill --teacher " + model + " --student " + student + kTaskFlags +
             " --problems 24 --problem-seed 3 --samples 2 --temperature 0 -n 24 --out " + dir_ +
             "/student --steps 40 --batch 4 --seq-len 128 --lr 5e-3 --schedule constant -q -t 2");
  EXPECT_NE(out.find("reject: 24 linear problems"), std::string::npos) << out;
  EXPECT_NE(out.find("trained steps 0..39"), std::string::npos) << out;
  const std::vector<OrderedJson> traces = read_records(dir_ + "/student.traces.jsonl");
  ASSERT_GT(traces.size(), 0u);
  check_traces(traces, problems(24, 3), rl::TemplateKind::R1Zero);

  // The loss counts the completion tokens and the EOS of each row, never the prompt.
  const Tokenizer tok = Tokenizer::load(student);
  size_t shortest = std::numeric_limits<size_t>::max(), longest = 0;
  for (const OrderedJson& r : traces) {
    const size_t n = tok.encode(r["completion"].get<std::string>(), false).size() + 1;
    shortest = std::min(shortest, n);
    longest = std::max(longest, n);
  }
  for (const Json& step : read_metrics(dir_ + "/student.metrics.jsonl")) {
    EXPECT_GE(step.at("tokens").get<size_t>(), 4 * shortest) << step.dump();
    EXPECT_LE(step.at("tokens").get<size_t>(), 4 * longest) << step.dump();
  }

  // On held-out problems the student now answers in the format, and right when x = 0.
  const Json eval = last_json_line(run_ok("eval --model " + dir_ + "/student" + kTaskFlags +
                                          " --problems 30 --temperature 0 -n 24 --json -t 2"));
  EXPECT_LT(eval.at("format_error_rate").get<double>(), 0.5) << eval.dump();
  EXPECT_GT(eval.at("pass@1").get<double>(), 0.15) << eval.dump();
}

TEST_F(DistillCli, R1TemplateTracesAreChatRecordsTheStudentTrainsOn) {
  const std::string model = teacher(rl::TemplateKind::R1);
  const std::string out = dir_ + "/r1.jsonl";
  const Json j = last_json_line(run_ok("reject --model " + model + kTaskFlags +
                                       " --template r1 --problems 24 --problem-seed 3 --samples 2"
                                       " --max-per-problem 1 -n 24 --out " +
                                       out + " --json -t 2"));
  const std::vector<OrderedJson> records = read_records(out);
  ASSERT_GT(records.size(), 0u) << j.dump();
  EXPECT_EQ(j.at("kept").get<size_t>(), records.size());
  EXPECT_EQ(j.at("problems_kept").get<size_t>(), records.size()) << "--max-per-problem 1";
  check_traces(records, problems(24, 3), rl::TemplateKind::R1);

  // `r1 sft` takes the chat traces; the loss counts only the assistant's completion tokens.
  const std::string student = init("tiny-qwen2", "student_base");
  run_ok("sft --model " + student + " --data " + out + " --out " + dir_ +
         "/student --steps 2 --batch 2 --seq-len 96 -q -t 2");
  const std::vector<Json> steps = read_metrics(dir_ + "/student.metrics.jsonl");
  ASSERT_EQ(steps.size(), 2u);
  const Tokenizer tok = Tokenizer::load(student);
  const ChatTemplate tmpl = ChatTemplate::load(student);
  size_t shortest = std::numeric_limits<size_t>::max(), longest = 0;
  for (const OrderedJson& r : records) {
    // The completion after the "<think>\n" the generation prompt supplies, and the EOS.
    const std::string completion = r["messages"][1]["content"].get<std::string>().substr(8);
    const size_t n = tok.encode(completion + tmpl.eos_token(), false).size();
    shortest = std::min(shortest, n);
    longest = std::max(longest, n);
  }
  for (const Json& step : steps) {
    EXPECT_GE(step.at("tokens").get<size_t>(), 2 * shortest) << step.dump();
    EXPECT_LE(step.at("tokens").get<size_t>(), 2 * longest) << step.dump();
  }
}

TEST_F(DistillCli, BadFlagsAreOneClearMessage) {
  const std::string model = init("tiny", "random");
  auto expect_fail = [&](const std::string& args, int code, const std::string& needle) {
    const test::RunResult r = test::run_r1(args);
    EXPECT_EQ(r.exit_code, code) << args << "\n" << r.out;
    EXPECT_NE(r.out.find(needle), std::string::npos) << args << "\n" << r.out;
  };
  const std::string reject =
      "reject --model " + model + kTaskFlags + " --out " + dir_ + "/t.jsonl ";
  expect_fail(reject + "--max-per-problem -1", 2, "--max-per-problem must be >= 0");
  expect_fail(reject + "--template r2", 2, "r2");
  expect_fail(reject + "--knob max_solution=-5", 2, "max_solution");
  const std::string distill = "distill --teacher " + model + " --student " + model + kTaskFlags +
                              " --out " + dir_ + "/s --problems 4 -n 4 --samples 1 -q -t 2 ";
  expect_fail(distill + "--steps 3 --resume", 2, "resume the SFT stage with `r1 sft --resume");
  expect_fail(distill + "--steps 0", 2, "--steps must be >= 1");
  expect_fail("distill --teacher " + model + " --student " + model + kTaskFlags + " --out " +
                  model + " --steps 1",
              2, "is the --student directory");
  // A random teacher verifies nothing: no traces (an empty file, its directory created), so no
  // student.
  expect_fail(distill + "--steps 3 --traces " + dir_ + "/new/t.jsonl", 2,
              "had no verified sample among 4");
  EXPECT_EQ(read_records(dir_ + "/new/t.jsonl").size(), 0u);
  // A student run or a traces file already there is replaced only with --overwrite.
  std::filesystem::create_directories(dir_ + "/s");
  write_text_file_atomic(dir_ + "/s/trainer_state.json", "{\"step\": 7}");
  expect_fail(distill + "--steps 3", 2,
              "--out " + dir_ + "/s already holds a checkpoint at step 7; pass --overwrite");
  write_text_file_atomic(dir_ + "/old.jsonl", "{}\n");
  expect_fail(distill + "--steps 3 --overwrite --traces " + dir_ + "/old.jsonl", 2,
              "had no verified sample");  // --overwrite: the traces file is replaced
  EXPECT_EQ(read_records(dir_ + "/old.jsonl").size(), 0u);
  write_text_file_atomic(dir_ + "/old.jsonl", "{}\n");
  expect_fail("distill --teacher " + model + " --student " + model + kTaskFlags + " --out " + dir_ +
                  "/fresh --steps 3 --traces " + dir_ + "/old.jsonl",
              2, "--traces " + dir_ + "/old.jsonl already holds a file of 3 bytes");
  write_text_file_atomic(dir_ + "/t.jsonl", "{}\n");
  expect_fail(reject + "--problems 1", 2,
              "--out " + dir_ + "/t.jsonl already holds a file of 3 bytes; pass --overwrite");

  write_text_file_atomic(dir_ + "/mixed.jsonl",
                         "{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"messages\": []}\n");
  expect_fail(
      "sft --model " + model + " --data " + dir_ + "/mixed.jsonl --out " + dir_ + "/m --steps 1 -q",
      1, "mixed.jsonl:2: a chat record, but this file holds prompt-completion records");
}

}  // namespace
}  // namespace r1
