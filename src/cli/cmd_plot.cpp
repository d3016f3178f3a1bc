// `r1 plot`: a metrics JSONL file (one object per step) to an SVG of the chosen series
// against step, raw values faint under an EMA-smoothed line.
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/error.h"
#include "io/json_file.h"
#include "train/metrics.h"
#include "train/plot_svg.h"

namespace r1::cli {

namespace {

struct PlotArgs {
  std::string metrics, out, series = "loss", x = "step", title;
  double smoothing = 0.9;
};

std::vector<std::string> split_names(const std::string& list) {
  std::vector<std::string> names;
  std::stringstream ss(list);
  for (std::string name; std::getline(ss, name, ',');)
    if (!name.empty()) names.push_back(name);
  if (names.empty()) throw UsageError("--series: expected names such as loss,lr");
  return names;
}

void run_plot(const PlotArgs& a) {
  if (!(a.smoothing >= 0 && a.smoothing < 1))
    throw UsageError("--smoothing: expected a value in [0, 1), got " + std::to_string(a.smoothing));
  const std::vector<Json> records = read_metrics(a.metrics);
  if (records.empty()) throw FormatError(a.metrics + ": no metrics records");
  std::vector<PlotSeries> series;
  try {
    series = metrics_series(records, split_names(a.series), a.x);
  } catch (const FormatError& e) {
    throw FormatError(a.metrics + ": " + e.what());
  }
  PlotOptions opts;
  opts.title = a.title.empty() ? a.metrics : a.title;
  opts.x_label = a.x;
  opts.smoothing = a.smoothing;
  write_text_file_atomic(a.out, render_svg(series, opts));
}

}  // namespace

void add_plot(CLI::App& app) {
  auto a = std::make_shared<PlotArgs>();
  CLI::App* cmd = app.add_subcommand("plot", "Plot training metrics (JSONL) as an SVG");
  cmd->add_option("--metrics", a->metrics, "metrics file, one JSON object per line")->required();
  cmd->add_option("--out", a->out, "SVG file to write")->required();
  cmd->add_option("--series", a->series, "comma-separated fields, one panel each (default loss)");
  cmd->add_option("--x", a->x, "field on the horizontal axis (default step)");
  cmd->add_option("--smoothing", a->smoothing,
                  "EMA weight of the smoothed line, 0 = none (default 0.9)");
  cmd->add_option("--title", a->title, "title (default: the metrics file name)");
  cmd->callback([a] { run_plot(*a); });
}

}  // namespace r1::cli
