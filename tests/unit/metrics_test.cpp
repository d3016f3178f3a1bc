// The metrics JSONL writer: one flushed line per record, resume drops later steps and a torn
// last line, malformed lines are named by file:line.
#include "train/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "io_test_util.h"
#include "test_util.h"

namespace r1 {
namespace {

TEST(Metrics, WritesFlushedLinesAndResumesWithoutDuplicates) {
  const std::string path = test::make_temp_dir("metrics") + "/m.jsonl";
  {
    MetricsWriter w = MetricsWriter::create(path);
    for (int s = 1; s <= 5; ++s) {
      w.write(Json{{"step", s}, {"loss", 10.0 / s}, {"expert_load", {{1, 2}, {3, 4}}}});
      // Flushed per line: visible before the writer closes.
      EXPECT_EQ(read_metrics(path).size(), size_t(s));
    }
    w.write(Json{{"step", 6}, {"loss", std::nan("")}});  // non-finite -> null
  }
  EXPECT_TRUE(read_metrics(path).back()["loss"].is_null());
  testing::write_bytes(path, testing::read_bytes(path) + "{\"step\": 7, \"lo");  // killed mid-line
  {
    MetricsWriter w = MetricsWriter::resume(path, 3);  // the checkpoint was at step 3
    w.write(Json{{"step", 4}, {"loss", 1.5}});
  }
  const std::vector<Json> r = read_metrics(path);
  ASSERT_EQ(r.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(r[size_t(i)]["step"], i + 1);
  EXPECT_EQ(r[3]["loss"], 1.5);
  EXPECT_EQ(r[0]["expert_load"][1][0], 3);
}

TEST(Metrics, CreateTruncatesAndResumeOfAMissingFileStartsEmpty) {
  const std::string dir = test::make_temp_dir("metrics_new");
  testing::write_bytes(dir + "/m.jsonl", "{\"step\": 1}\n");
  MetricsWriter::create(dir + "/m.jsonl");
  EXPECT_TRUE(read_metrics(dir + "/m.jsonl").empty());
  MetricsWriter::resume(dir + "/fresh.jsonl", 10).write(Json{{"step", 11}});
  EXPECT_EQ(read_metrics(dir + "/fresh.jsonl").size(), 1u);
}

TEST(Metrics, MalformedLinesAreNamed) {
  const std::string path = test::make_temp_dir("metrics_bad") + "/m.jsonl";
  testing::write_bytes(path, "{\"step\": 1}\nnot json\n{\"step\": 3}\n");
  testing::expect_error<FormatError>([&] { read_metrics(path); }, {"m.jsonl:2"});
  testing::expect_error<FormatError>([&] { MetricsWriter::resume(path, 1); }, {"m.jsonl:2"});
  testing::write_bytes(path, "[1, 2]\n{\"step\": 1}\n");
  testing::expect_error<FormatError>([&] { read_metrics(path); }, {"m.jsonl:1", "JSON object"});
  testing::write_bytes(path, "{\"step\": 1}\n{\"st");
  EXPECT_THROW(read_metrics(path, false), FormatError);
  EXPECT_EQ(read_metrics(path).size(), 1u);
}

}  // namespace
}  // namespace r1
