// SVG rendering of metric series: layout of panels, axis ticks, polylines.
#include "train/plot_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "core/error.h"

namespace r1 {

std::vector<PlotSeries> metrics_series(const std::vector<Json>& records,
                                       const std::vector<std::string>& names,
                                       const std::string& x_field) {
  std::vector<PlotSeries> out;
  for (const std::string& name : names) {
    PlotSeries s;
    s.name = name;
    for (const Json& r : records) {
      if (!r.contains(name) || !r.contains(x_field)) continue;
      const Json &x = r[x_field], &y = r[name];
      if (!x.is_number() || !y.is_number()) continue;
      const double xv = x.get<double>(), yv = y.get<double>();
      if (!std::isfinite(xv) || !std::isfinite(yv)) continue;
      s.x.push_back(xv);
      s.y.push_back(yv);
    }
    if (s.x.empty()) {
      std::set<std::string> numeric;
      for (const Json& r : records)
        for (auto it = r.begin(); it != r.end(); ++it)
          if (it.value().is_number()) numeric.insert(it.key());
      std::string list;
      for (const std::string& n : numeric) {
        if (!list.empty()) list += ", ";
        list += n;
      }
      throw FormatError("no numeric values of " + quote_untrusted(name) + " (against '" + x_field +
                        "') in the metrics; numeric fields: " + (list.empty() ? "none" : list));
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<double> ema_smooth(const std::vector<double>& y, double smoothing) {
  std::vector<double> out(y.size());
  double acc = 0, weight = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    acc = acc * smoothing + (1 - smoothing) * y[i];
    weight = weight * smoothing + (1 - smoothing);
    out[i] = acc / weight;
  }
  return out;
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag * 1.0000001) {
      step = m * mag;
      break;
    }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step)
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
  return ticks;
}

namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// A tick label: short (%g with 4 digits), so 0.0003 and 12000 both fit.
std::string label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}


struct Box {
  double left, top, width, height;
  double x0, x1, y0, y1;  // data range
  double px(double x) const { return left + (x - x0) / (x1 - x0) * width; }
  double py(double y) const { return top + height - (y - y0) / (y1 - y0) * height; }
};

std::string polyline(const Box& b, const std::vector<double>& x, const std::vector<double>& y,
                     const char* style) {
  std::string pts;
  for (size_t i = 0; i < x.size(); ++i) pts += num(b.px(x[i])) + "," + num(b.py(y[i])) + " ";
  return "<polyline fill=\"none\" " + std::string(style) + " points=\"" + pts + "\"/>\n";
}

// The range of v padded by 5% (a flat series gets a unit-wide range).
std::pair<double, double> padded_range(const std::vector<double>& v) {
  auto [mn, mx] = std::minmax_element(v.begin(), v.end());
  double lo = *mn, hi = *mx;
  if (hi - lo < 1e-12 * std::max(1.0, std::fabs(hi))) {
    lo -= 0.5 * std::max(1e-12, std::fabs(lo));
    hi += 0.5 * std::max(1e-12, std::fabs(hi));
  }
  const double pad = 0.05 * (hi - lo);
  return {lo - pad, hi + pad};
}

// Whether the series zigzags (a loss) rather than moving smoothly (a learning-rate schedule):
// more than one change of direction per ten points. Only a noisy series gets the EMA line, which
// would otherwise just lag behind the values.
bool is_noisy(const std::vector<double>& y) {
  int64_t turns = 0;
  for (size_t i = 2; i < y.size(); ++i) turns += (y[i] - y[i - 1]) * (y[i - 1] - y[i - 2]) < 0;
  return y.size() > 2 && turns * 10 > int64_t(y.size());
}

constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};

std::string panel(const PlotPanel& p, const PlotOptions& o, double top) {
  Box b{80, top + 30, double(o.width) - 110, double(o.panel_height) - 80, 0, 1, 0, 1};
  std::vector<double> xs, ys;
  for (const PlotSeries& s : p.lines) {
    R1_ASSERT(!s.x.empty() && s.x.size() == s.y.size());
    xs.insert(xs.end(), s.x.begin(), s.x.end());
    ys.insert(ys.end(), s.y.begin(), s.y.end());
  }
  const auto [xmin, xmax] = std::minmax_element(xs.begin(), xs.end());
  b.x0 = *xmin;
  b.x1 = *xmax > *xmin ? *xmax : *xmin + 1;
  std::tie(b.y0, b.y1) = padded_range(ys);
  std::string svg = "<text x=\"" + num(b.left) + "\" y=\"" + num(top + 20) +
                    "\" font-size=\"15\" font-weight=\"bold\">" + xml_escape(p.title) + "</text>\n";
  for (double t : nice_ticks(b.y0, b.y1, 5)) {
    const std::string y = num(b.py(t));
    svg += "<line x1=\"" + num(b.left) + "\" x2=\"" + num(b.left + b.width) + "\" y1=\"" + y +
           "\" y2=\"" + y + "\" stroke=\"#e5e5e5\"/>\n<text x=\"" + num(b.left - 6) + "\" y=\"" +
           y + "\" dy=\"4\" text-anchor=\"end\" font-size=\"11\">" + label(t) + "</text>\n";
  }
  for (double t : nice_ticks(b.x0, b.x1, 8)) {
    const std::string x = num(b.px(t));
    svg += "<line x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + num(b.top) + "\" y2=\"" +
           num(b.top + b.height) + "\" stroke=\"#f0f0f0\"/>\n<text x=\"" + x + "\" y=\"" +
           num(b.top + b.height + 16) + "\" text-anchor=\"middle\" font-size=\"11\">" + label(t) +
           "</text>\n";
  }
  svg += "<rect x=\"" + num(b.left) + "\" y=\"" + num(b.top) + "\" width=\"" + num(b.width) +
         "\" height=\"" + num(b.height) + "\" fill=\"none\" stroke=\"#333\"/>\n";
  svg += "<text x=\"" + num(b.left + b.width / 2) + "\" y=\"" + num(b.top + b.height + 34) +
         "\" text-anchor=\"middle\" font-size=\"12\">" + xml_escape(o.x_label) + "</text>\n";
  const size_t colours = sizeof kColours / sizeof kColours[0];
  for (size_t i = 0; i < p.lines.size(); ++i) {
    const PlotSeries& s = p.lines[i];
    const std::string stroke = std::string("stroke=\"") + kColours[i % colours] + "\" ";
    const bool smooth = o.smoothing > 0 && is_noisy(s.y);
    svg += polyline(b, s.x, s.y,
                    (stroke + (smooth ? "stroke-opacity=\"0.3\" stroke-width=\"1\""
                                      : "stroke-width=\"1.8\""))
                        .c_str());
    if (smooth)
      svg += polyline(b, s.x, ema_smooth(s.y, o.smoothing), (stroke + "stroke-width=\"2\"").c_str());
    if (p.lines.size() > 1)
      svg += "<text x=\"" + num(b.left + b.width - 6) + "\" y=\"" + num(b.top + 14.0 * double(i + 1)) +
             "\" text-anchor=\"end\" font-size=\"12\" fill=\"" + kColours[i % colours] + "\">" +
             xml_escape(s.name) + "</text>\n";
  }
  return svg;
}

}  // namespace

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
}

std::string render_svg(const std::vector<PlotSeries>& series, const PlotOptions& o) {
  std::vector<PlotPanel> panels;
  for (const PlotSeries& s : series) panels.push_back({s.name, {s}});
  return render_svg(panels, o);
}

std::string render_svg(const std::vector<PlotPanel>& panels, const PlotOptions& o) {
  const double title_h = o.title.empty() ? 0 : 30;
  const double height = title_h + double(o.panel_height) * double(panels.size());
  std::string svg =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
      "width=\"" +
      std::to_string(o.width) + "\" height=\"" + num(height) +
      "\" font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  if (!o.title.empty())
    svg += "<text x=\"" + num(o.width / 2.0) +
           "\" y=\"22\" text-anchor=\"middle\" font-size=\"17\">" + xml_escape(o.title) + "</text>\n";
  for (size_t i = 0; i < panels.size(); ++i)
    svg += panel(panels[i], o, title_h + double(i) * o.panel_height);
  return svg + "</svg>\n";
}

}  // namespace r1
