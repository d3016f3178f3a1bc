// The report of an RL pipeline run (the demo): one row per stage (base, RL, distilled student,
// RL-only student) with its held-out evaluation, one sample reasoning trace, and the training
// curves; as a text table, summary.json and a self-contained report.html with inline SVG.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "io/json_file.h"

namespace r1::rl {

struct ReportStage {
  std::string name;             // "base", "RL (GRPO)", ...
  std::string model_dir;        // the checkpoint evaluated
  std::string model_type;       // config.json's model_type
  int64_t parameters = 0;       // total, embeddings included, MTP excluded
  Json eval;                    // `r1 eval --json`: pass@1, maj@k, mean_response_tokens, ...
  Json eval_ood;                // the same on out-of-distribution problems; null when not run
  std::optional<double> train_seconds;  // the stage's training time, when it trained
};

struct ReportCurves {
  std::string name;           // "teacher GRPO"
  std::vector<Json> records;  // `r1 grpo` metrics, one per step
};

struct ReportTrace {
  std::string stage, question, completion;
  bool correct = false;
};

// The stage from its directory: DIR/config.json, DIR/eval.json and, when present,
// DIR/eval_ood.json (FormatError / IoError naming the file).
ReportStage load_report_stage(const std::string& name, const std::string& dir,
                              std::optional<double> train_seconds);

// {"task", "stages": [{"name", "model", "model_type", "parameters", "pass@1", "maj@k",
//  "mean_response_tokens", "format_error_rate", "n", "k", "train_seconds", and where evaluated
//  "tool_call_rate", "ood_pass@1", the self-check rates}], "trace"}.
Json report_summary(const std::string& task, const std::vector<ReportStage>& stages,
                    const std::optional<ReportTrace>& trace);

// The fixed-width table printed at the end of the run.
std::string report_table(const std::vector<ReportStage>& stages);

// The curves the R1-Zero paper plots (accuracy, held-out pass@1, response length, reward,
// KL, clip fraction) that the records hold; names missing from every record are left out.
std::vector<std::string> report_curve_names(const std::vector<Json>& records);

// The HTML page: the table, the trace, and per curve set one SVG with a panel per metric.
std::string report_html(const std::string& task, const std::vector<ReportStage>& stages,
                        const std::vector<ReportCurves>& curves,
                        const std::optional<ReportTrace>& trace);

}  // namespace r1::rl
