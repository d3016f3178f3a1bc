// `r1 report`: the table, summary.json and report.html of an RL pipeline run from its stages'
// evaluations (DIR/eval.json from `r1 eval --json`), GRPO metrics and one sample trace.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/error.h"
#include "io/json_file.h"
#include "rl/run_report.h"
#include "train/metrics.h"

namespace r1::cli {

namespace {

struct ReportArgs {
  std::string task, out, trace_from;
  std::vector<std::string> stages, curves;
};

struct LabelledPath {
  std::string label, path;
  std::optional<double> seconds;
};

// "LABEL=PATH" or, with `allow_seconds`, "LABEL=PATH@SECONDS".
LabelledPath parse_labelled(const std::string& spec, const char* flag, bool allow_seconds) {
  const size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
    throw UsageError(std::string(flag) + ": expected LABEL=PATH" +
                     (allow_seconds ? "[@SECONDS]" : "") + ", got '" + spec + "'");
  LabelledPath p{spec.substr(0, eq), spec.substr(eq + 1), std::nullopt};
  const size_t at = p.path.rfind('@');
  if (allow_seconds && at != std::string::npos) {
    const std::string number = p.path.substr(at + 1);
    char* end = nullptr;
    const double v = std::strtod(number.c_str(), &end);
    if (number.empty() || *end != '\0' || !(v >= 0))
      throw UsageError(std::string(flag) + ": '" + number + "' in '" + spec +
                       "' is not a number of seconds");
    p.seconds = v;
    p.path = p.path.substr(0, at);
  }
  return p;
}

// The correct sample of DIR/eval_samples.jsonl with the longest completion, i.e. the most
// reasoning (else the first sample); its transcript (tool calls and outputs included) when it
// was evaluated with tools.
std::optional<rl::ReportTrace> load_trace(const std::string& stage, const std::string& dir) {
  const std::string path = dir + "/eval_samples.jsonl";
  const std::vector<Json> samples = read_metrics(path, false);
  std::optional<rl::ReportTrace> trace;
  for (size_t i = 0; i < samples.size(); ++i) {
    const Json& s = samples[i];
    const std::string where = path + ":" + std::to_string(i + 1);
    for (const char* key : {"question", "completion"})
      if (!s.contains(key) || !s[key].is_string())
        throw FormatError(where + ": field \"" + key + "\": expected a string");
    const char* shown =
        s.contains("transcript") && s["transcript"].is_string() ? "transcript" : "completion";
    rl::ReportTrace t{stage, s["question"].get<std::string>(), s[shown].get<std::string>(),
                      s.value("accuracy", 0.0) > 0.0};
    const bool better = !trace || (t.correct && !trace->correct) ||
                        (t.correct == trace->correct && t.correct &&
                         t.completion.size() > trace->completion.size());
    if (better) trace = t;
  }
  return trace;
}

void run_report(const ReportArgs& a) {
  std::vector<rl::ReportStage> stages;
  std::optional<rl::ReportTrace> trace;
  for (const std::string& spec : a.stages) {
    const LabelledPath p = parse_labelled(spec, "--stage", true);
    stages.push_back(rl::load_report_stage(p.label, p.path, p.seconds));
    if (p.label == a.trace_from) trace = load_trace(p.label, p.path);
  }
  if (!a.trace_from.empty() && !trace)
    throw UsageError("--trace-from: no --stage is labelled '" + a.trace_from + "'");
  std::vector<rl::ReportCurves> curves;
  for (const std::string& spec : a.curves) {
    const LabelledPath p = parse_labelled(spec, "--curves", false);
    curves.push_back({p.label, read_metrics(p.path)});
  }
  std::error_code ec;
  std::filesystem::create_directories(a.out, ec);
  if (ec) throw IoError(a.out + ": cannot create the directory: " + ec.message());
  write_text_file_atomic(a.out + "/summary.json",
                         rl::report_summary(a.task, stages, trace).dump(2) + "\n");
  write_text_file_atomic(a.out + "/report.html", rl::report_html(a.task, stages, curves, trace));
  std::printf("%s", rl::report_table(stages).c_str());
  if (trace)
    std::printf("\nA reasoning trace (%s, %s):\n%s\n%s\n", trace->stage.c_str(),
                trace->correct ? "correct" : "wrong", trace->question.c_str(),
                trace->completion.c_str());
  std::printf("\nwrote %s/summary.json and %s/report.html\n", a.out.c_str(), a.out.c_str());
}

}  // namespace

void add_report(CLI::App& app) {
  auto a = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "report", "Table, summary.json and report.html (SVG curves) of an RL pipeline run");
  cmd->add_option("--task", a->task, "task name recorded in summary.json")->required();
  cmd->add_option("--stage", a->stages,
                  "LABEL=DIR[@SECONDS]: a row from DIR/config.json and DIR/eval.json (r1 eval "
                  "--json), trained in SECONDS; repeat, in table order")
      ->required();
  cmd->add_option("--curves", a->curves, "LABEL=METRICS.jsonl of an r1 grpo run; repeat");
  cmd->add_option("--trace-from", a->trace_from,
                  "stage whose DIR/eval_samples.jsonl (r1 eval --out) gives the sample trace");
  cmd->add_option("--out", a->out, "directory for summary.json and report.html")->required();
  cmd->callback([a] { run_report(*a); });
}

}  // namespace r1::cli
