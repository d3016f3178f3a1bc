// Line plots of training metrics as a standalone SVG: one panel per series (loss, lr, ...) or
// per metric with a line per run, against step, with axes, ticks, labels, a legend, and for a
// noisy series the raw values faint under an EMA-smoothed line. Used by `r1 plot` and the RL
// report.
#pragma once

#include <string>
#include <vector>

#include "io/json_file.h"

namespace r1 {

struct PlotSeries {
  std::string name;
  std::vector<double> x, y;  // points in order of x
};

// The named fields of metrics records against their `x_field`, skipping records that lack
// either or hold a non-number (null, a list such as expert_load). FormatError when a name
// has no points at all, naming it and listing the numeric fields present.
std::vector<PlotSeries> metrics_series(const std::vector<Json>& records,
                                       const std::vector<std::string>& names,
                                       const std::string& x_field = "step");

// TensorBoard's smoothing: an exponential moving average with weight `smoothing` in [0, 1)
// on the previous value, debiased so that the first points are not pulled towards zero.
std::vector<double> ema_smooth(const std::vector<double>& y, double smoothing);

// About `target` round tick values (1, 2, 5 x 10^k steps) covering [lo, hi].
std::vector<double> nice_ticks(double lo, double hi, int target);

struct PlotOptions {
  std::string title;
  std::string x_label = "step";
  double smoothing = 0.9;  // 0: no smoothed line (also none for a series without noise, e.g. lr)
  int width = 900;
  int panel_height = 300;
};

// Text made safe inside XML/HTML elements and attribute values (< > & ").
std::string xml_escape(const std::string& text);

// The SVG document (panels stacked vertically, one per series).
std::string render_svg(const std::vector<PlotSeries>& series, const PlotOptions& opts);

// A panel with several lines on shared axes (runs compared), each in its own colour and named
// by its series' name in a legend.
struct PlotPanel {
  std::string title;
  std::vector<PlotSeries> lines;
};
std::string render_svg(const std::vector<PlotPanel>& panels, const PlotOptions& opts);

}  // namespace r1
