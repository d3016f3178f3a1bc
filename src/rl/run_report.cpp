// Summary, table and HTML page of an RL pipeline run.
#include "rl/run_report.h"

#include <algorithm>

#include <cstdio>
#include <filesystem>
#include <functional>

#include "checkpoint/config_json.h"
#include "core/error.h"
#include "core/si_units.h"
#include "model/config.h"
#include "model/size_math.h"
#include "train/plot_svg.h"

namespace r1::rl {

namespace {

// The R1-Zero paper's curves, in the order they are drawn, with the label of each panel.
struct CurveSpec {
  const char* field;
  const char* label;
};
constexpr CurveSpec kCurves[] = {
    {"accuracy", "accuracy (training rollouts)"},
    {"eval_pass@1", "pass@1 (held-out problems)"},
    {"response_length_mean", "mean response length (tokens)"},
    {"reward_mean", "reward mean"},
    {"kl", "KL to the reference"},
    {"clip_fraction", "clip fraction"},
    {"tool_call_rate", "rollouts with a tool call"},
    {"tool_calls_per_rollout", "tool calls per rollout"},
    {"tool_errors_per_rollout", "tool errors per rollout"},
    {"attempts_per_rollout", "attempts per rollout"},
    {"check_rate", "rollouts that check an attempt"},
    {"retry_rollout_rate", "rollouts that retry after a failed check"},
    {"retry_rate", "failed checks followed by a retry"},
    {"accuracy_with_retry", "accuracy of rollouts with a retry"},
    {"accuracy_1_attempt", "accuracy with one attempt"},
    {"accuracy_2_attempts", "accuracy with two attempts"},
    {"accuracy_3plus_attempts", "accuracy with three or more attempts"},
    {"false_check_rate", "checks with an untrue verdict"},
    {"groups_kept", "groups kept (dynamic sampling)"},
};

double number_field(const Json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j[key].is_number())
    throw FormatError(where + ": field \"" + key + "\": expected a number");
  return j[key].get<double>();
}

std::string percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * fraction);
  return buf;
}

std::string fixed(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string seconds_text(const std::optional<double>& s) {
  return s ? fixed(*s, 0) + " s" : "-";
}

// A share in an evaluation as a percentage; "-" when the evaluation does not have it.
std::string share_text(const Json& eval, const char* key) {
  return eval.is_object() && eval.contains(key) && eval[key].is_number()
             ? percent(eval[key].get<double>())
             : "-";
}

bool any_stage_has(const std::vector<ReportStage>& stages, const Json ReportStage::*eval,
                   const char* key) {
  for (const ReportStage& s : stages)
    if ((s.*eval).is_object() && (s.*eval).contains(key)) return true;
  return false;
}

struct Column {
  std::string header;
  std::function<std::string(const ReportStage&)> cell;
};

// The table's columns: those every stage has, then tool calls, OOD pass@1 and the self-check
// shares where some stage has them.
std::vector<Column> table_columns(const std::vector<ReportStage>& stages) {
  std::vector<Column> cols = {
      {"stage", [](const ReportStage& s) { return s.name; }},
      {"model", [](const ReportStage& s) { return s.model_type; }},
      {"params", [](const ReportStage& s) { return si_units(double(s.parameters), ""); }},
      {"pass@1", [](const ReportStage& s) { return share_text(s.eval, "pass@1"); }},
      {"maj@k", [](const ReportStage& s) { return share_text(s.eval, "maj@k"); }},
      {"length",
       [](const ReportStage& s) { return fixed(s.eval["mean_response_tokens"].get<double>(), 1); }},
      {"format err", [](const ReportStage& s) { return share_text(s.eval, "format_error_rate"); }}};
  if (any_stage_has(stages, &ReportStage::eval, "tool_call_rate"))
    cols.push_back({"tools", [](const ReportStage& s) { return share_text(s.eval, "tool_call_rate"); }});
  if (any_stage_has(stages, &ReportStage::eval_ood, "pass@1"))
    cols.push_back({"OOD pass@1", [](const ReportStage& s) { return share_text(s.eval_ood, "pass@1"); }});
  if (any_stage_has(stages, &ReportStage::eval, "check_rate")) {
    cols.push_back({"checks", [](const ReportStage& s) { return share_text(s.eval, "check_rate"); }});
    cols.push_back(
        {"retries", [](const ReportStage& s) { return share_text(s.eval, "retry_rollout_rate"); }});
    cols.push_back(
        {"readable", [](const ReportStage& s) { return share_text(s.eval, "readable_rate"); }});
  }
  cols.push_back({"n x k", [](const ReportStage& s) {
                    return s.eval["n"].dump() + " x " + s.eval["k"].dump();
                  }});
  cols.push_back({"trained", [](const ReportStage& s) { return seconds_text(s.train_seconds); }});
  return cols;
}

// The SVG without its XML declaration, so that it can sit inside HTML.
std::string inline_svg(const std::string& svg) {
  const size_t start = svg.find("<svg");
  return start == std::string::npos ? svg : svg.substr(start);
}

// One panel per metric that two or more runs have, a line per run.
std::string side_by_side(const std::vector<ReportCurves>& curves) {
  std::vector<PlotPanel> panels;
  for (const CurveSpec& c : kCurves) {
    PlotPanel p{c.label, {}};
    for (const ReportCurves& rc : curves) {
      const std::vector<std::string> names = report_curve_names(rc.records);
      if (std::find(names.begin(), names.end(), c.field) == names.end()) continue;
      p.lines.push_back(metrics_series(rc.records, {c.field})[0]);
      p.lines.back().name = rc.name;
    }
    if (p.lines.size() >= 2) panels.push_back(std::move(p));
  }
  if (panels.empty()) return "";
  PlotOptions o;
  o.title = "the runs side by side";
  o.smoothing = 0.6;
  o.panel_height = 220;
  return "<h2>Side by side</h2>\n" + inline_svg(render_svg(panels, o)) + "\n";
}

}  // namespace

ReportStage load_report_stage(const std::string& name, const std::string& dir,
                              std::optional<double> train_seconds) {
  ReportStage s;
  s.name = name;
  s.model_dir = dir;
  s.train_seconds = train_seconds;
  const ModelConfig c = load_model_config((std::filesystem::path(dir) / "config.json").string());
  s.model_type = arch_name(c.arch);
  s.parameters = size_report(c, [](const WeightSpec&) { return int64_t(0); }).params_total;
  const std::string eval_path = (std::filesystem::path(dir) / "eval.json").string();
  s.eval = read_json_file(eval_path);
  for (const char* key : {"pass@1", "maj@k", "mean_response_tokens", "format_error_rate", "n", "k"})
    number_field(s.eval, key, eval_path);
  const std::string ood_path = (std::filesystem::path(dir) / "eval_ood.json").string();
  if (std::filesystem::exists(ood_path)) {
    s.eval_ood = read_json_file(ood_path);
    number_field(s.eval_ood, "pass@1", ood_path);
  }
  return s;
}

Json report_summary(const std::string& task, const std::vector<ReportStage>& stages,
                    const std::optional<ReportTrace>& trace) {
  Json rows = Json::array();
  for (const ReportStage& s : stages) {
    Json row = {{"name", s.name},
                {"model", s.model_dir},
                {"model_type", s.model_type},
                {"parameters", s.parameters},
                {"train_seconds", s.train_seconds ? Json(*s.train_seconds) : Json(nullptr)}};
    for (const char* key :
         {"pass@1", "maj@k", "mean_response_tokens", "format_error_rate", "n", "k"})
      row[key] = s.eval[key];
    for (const char* key : {"tool_call_rate", "attempts_per_rollout", "check_rate", "retry_rate",
                            "retry_rollout_rate", "readable_rate", "accuracy_with_retry"})
      if (s.eval.contains(key)) row[key] = s.eval[key];
    if (s.eval_ood.is_object()) row["ood_pass@1"] = s.eval_ood["pass@1"];
    rows.push_back(row);
  }
  Json j = {{"task", task}, {"stages", rows}};
  if (trace)
    j["trace"] = {{"stage", trace->stage},
                  {"question", trace->question},
                  {"completion", trace->completion},
                  {"correct", trace->correct}};
  return j;
}

std::string report_table(const std::vector<ReportStage>& stages) {
  const std::vector<Column> cols = table_columns(stages);
  std::string out;
  for (int row = -1; row < int(stages.size()); ++row) {
    for (size_t c = 0; c < cols.size(); ++c) {
      const std::string cell = row < 0 ? cols[c].header : cols[c].cell(stages[size_t(row)]);
      const int width = c == 0 ? 28 : c == 1 ? 12 : 10;
      char buf[256];
      std::snprintf(buf, sizeof buf, c < 2 ? "%-*s" : " %*s", width, cell.c_str());
      out += buf;
    }
    out += "\n";
  }
  return out;
}

std::vector<std::string> report_curve_names(const std::vector<Json>& records) {
  std::vector<std::string> names;
  for (const CurveSpec& c : kCurves)
    for (const Json& r : records)
      if (r.contains(c.field) && r[c.field].is_number()) {
        names.push_back(c.field);
        break;
      }
  return names;
}

std::string report_html(const std::string& task, const std::vector<ReportStage>& stages,
                        const std::vector<ReportCurves>& curves,
                        const std::optional<ReportTrace>& trace) {
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<title>r1cpp: R1-Zero on " + xml_escape(task) + "</title>\n<style>\n"
      "body{font-family:sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}\n"
      "table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #ddd;"
      "text-align:right}td:first-child,th:first-child{text-align:left}\n"
      "pre{background:#f6f6f6;padding:1em;white-space:pre-wrap}\n"
      ".think{color:#777}\n</style></head><body>\n"
      "<h1>R1-Zero on <code>" + xml_escape(task) + "</code></h1>\n"
      "<p>Held-out problems the training never saw; pass@1 is the mean accuracy over the "
      "samples of every problem, length the mean response in tokens, tool calls the share of "
      "samples that called a tool (when evaluated with tools), OOD pass@1 the same on "
      "problems harder than any trained on (DIR/eval_ood.json), checks / retries / readable the "
      "shares of samples that check an attempt, retry after a failed check, and reason only in "
      "the task's notation (tasks that count self-checks).</p>\n<table>\n";
  const std::vector<Column> cols = table_columns(stages);
  h += "<tr>";
  for (const Column& c : cols) h += "<th>" + xml_escape(c.header) + "</th>";
  h += "</tr>\n";
  for (const ReportStage& s : stages) {
    h += "<tr>";
    for (const Column& c : cols) h += "<td>" + xml_escape(c.cell(s)) + "</td>";
    h += "</tr>\n";
  }
  h += "</table>\n";
  if (trace) {
    h += "<h2>A reasoning trace (" + xml_escape(trace->stage) + ", " +
         (trace->correct ? "correct" : "wrong") + ")</h2>\n<pre>" +
         xml_escape(trace->question) + "\n\n";
    const std::string& c = trace->completion;
    const size_t end = c.find("</think>");
    if (end == std::string::npos) {
      h += xml_escape(c);
    } else {
      const size_t split = end + std::string("</think>").size();
      h += "<span class=\"think\">" + xml_escape(c.substr(0, split)) + "</span>" +
           xml_escape(c.substr(split));
    }
    h += "</pre>\n";
  }
  if (curves.size() >= 2) h += side_by_side(curves);
  for (const ReportCurves& rc : curves) {
    const std::vector<std::string> names = report_curve_names(rc.records);
    if (names.empty()) continue;
    std::vector<PlotSeries> series = metrics_series(rc.records, names);
    for (PlotSeries& s : series)
      for (const CurveSpec& c : kCurves)
        if (s.name == c.field) s.name = c.label;
    PlotOptions o;
    o.title = rc.name;
    o.smoothing = 0.6;
    o.panel_height = 220;
    h += "<h2>" + xml_escape(rc.name) + "</h2>\n" + inline_svg(render_svg(series, o)) + "\n";
  }
  return h + "</body></html>\n";
}

}  // namespace r1::rl
