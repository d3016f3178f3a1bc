// The metrics plot: series extraction, EMA smoothing, tick placement, the SVG and `r1 plot`.
#include "train/plot_svg.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "io_test_util.h"
#include "test_util.h"

namespace r1 {
namespace {

size_t count(const std::string& s, const std::string& needle) {
  size_t n = 0;
  for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
  return n;
}

TEST(PlotSvg, SeriesSkipRecordsWithoutANumber) {
  const std::vector<Json> records = {Json{{"step", 1}, {"loss", 3.0}, {"lr", 0.1}},
                                     Json{{"step", 2}, {"lr", 0.2}},
                                     Json{{"step", 3}, {"loss", nullptr}},
                                     Json{{"step", 4}, {"loss", 2.0}, {"expert_load", {1, 2}}}};
  const std::vector<PlotSeries> s = metrics_series(records, {"loss", "lr"});
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].x, (std::vector<double>{1, 4}));
  EXPECT_EQ(s[0].y, (std::vector<double>{3, 2}));
  EXPECT_EQ(s[1].y, (std::vector<double>{0.1, 0.2}));
  testing::expect_error<FormatError>([&] { metrics_series(records, {"accuracy"}); },
                                     {"'accuracy'", "loss, lr, step"});
}

TEST(PlotSvg, EmaIsDebiasedAndTicksAreRound) {
  const std::vector<double> e = ema_smooth({4, 4, 4, 8}, 0.5);
  EXPECT_DOUBLE_EQ(e[0], 4);  // no pull towards zero at the start
  EXPECT_DOUBLE_EQ(e[2], 4);
  EXPECT_NEAR(e[3], 4 + 4 * 0.5 / (1 - 0.0625), 1e-12);
  EXPECT_EQ(nice_ticks(0, 100, 5), (std::vector<double>{0, 20, 40, 60, 80, 100}));
  const std::vector<double> t = nice_ticks(0.00031, 0.00079, 5);
  ASSERT_FALSE(t.empty());
  EXPECT_NEAR(t[0], 0.0004, 1e-15);
  EXPECT_NEAR(t[1] - t[0], 0.0001, 1e-15);
  EXPECT_EQ(nice_ticks(-1, 1, 4), (std::vector<double>{-1, -0.5, 0, 0.5, 1}));
}

TEST(PlotSvg, RendersPanelsWithAxesAndBothLines) {
  PlotSeries loss{"loss", {}, {}}, lr{"lr", {}, {}};
  for (int s = 0; s < 50; ++s) {
    loss.x.push_back(s);
    loss.y.push_back(5 * std::exp(-s / 10.0) + 0.1 * std::sin(s));
    lr.x.push_back(s);
    lr.y.push_back(1e-3);  // flat: still a valid range
  }
  PlotOptions o;
  o.title = "run <1>";
  const std::string svg = render_svg({loss, lr}, o);
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find("run &lt;1&gt;"), std::string::npos);
  EXPECT_EQ(count(svg, "<polyline"), 3u);  // loss: raw + smoothed; the flat lr: raw only
  EXPECT_EQ(count(svg, ">step</text>"), 2u);
  EXPECT_NE(svg.find(">0.001</text>"), std::string::npos);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  o.smoothing = 0;
  EXPECT_EQ(count(render_svg({loss}, o), "<polyline"), 1u);
}

TEST(PlotSvg, APanelComparesRunsOnSharedAxesWithALegend) {
  PlotSeries a{"R1-Zero", {0, 1, 2}, {0.1, 0.2, 0.3}},
      b{"R1 <final>", {0, 1, 2, 3}, {0.5, 0.6, 0.7, 0.9}};
  const std::string svg = render_svg(std::vector<PlotPanel>{{"accuracy", {a, b}}}, PlotOptions{});
  EXPECT_EQ(count(svg, "<polyline"), 2u);  // smooth series: one raw line each
  EXPECT_NE(svg.find(">R1-Zero</text>"), std::string::npos);
  EXPECT_NE(svg.find(">R1 &lt;final&gt;</text>"), std::string::npos);
  EXPECT_NE(svg.find("stroke=\"#1f77b4\""), std::string::npos);
  EXPECT_NE(svg.find("stroke=\"#d62728\""), std::string::npos);
  EXPECT_NE(svg.find(">3</text>"), std::string::npos);    // the x axis spans both runs
  EXPECT_NE(svg.find(">0.2</text>"), std::string::npos);  // the y axis both ranges
  EXPECT_NE(svg.find(">0.8</text>"), std::string::npos);
}

TEST(PlotCli, WritesAnSvgAndRejectsUnknownSeries) {
  const std::string dir = test::make_temp_dir("plot_cli");
  std::string lines;
  for (int s = 1; s <= 20; ++s)
    lines += "{\"step\": " + std::to_string(s) + ", \"loss\": " + std::to_string(10.0 / s) +
             ", \"lr\": 0.001}\n";
  testing::write_bytes(dir + "/m.jsonl", lines);
  test::RunResult r =
      test::run_r1("plot --metrics " + dir + "/m.jsonl --out " + dir + "/p.svg --series loss,lr");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string svg = testing::read_bytes(dir + "/p.svg");
  EXPECT_EQ(count(svg, "<polyline"), 2u);  // both series smooth: no EMA line
  r = test::run_r1("plot --metrics " + dir + "/m.jsonl --out " + dir + "/q.svg --series acc");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("m.jsonl: no numeric values of 'acc'"), std::string::npos) << r.out;
  r = test::run_r1("plot --metrics " + dir + "/missing.jsonl --out " + dir + "/q.svg");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("missing.jsonl"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace r1
