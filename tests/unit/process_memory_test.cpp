// ProcessMemory: /proc/self/status parsing, and live numbers that move with touched memory.
#include "core/process_memory.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>

namespace r1 {
namespace {

TEST(ProcessMemory, ParsesStatusLines) {
  const auto m = parse_proc_status(
      "Name:\tr1\nVmPeak:\t  999 kB\nVmHWM:\t    2048 kB\nVmRSS:\t    1024 kB\n"
      "RssAnon:\t  600 kB\nRssFile:\t  400 kB\nRssShmem:\t 24 kB\nThreads:\t3\n");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->rss_bytes, 1024 * 1024);
  EXPECT_EQ(m->rss_peak_bytes, 2048 * 1024);
  EXPECT_EQ(m->rss_anon_bytes, 600 * 1024);
  EXPECT_EQ(m->rss_file_bytes, 400 * 1024);
  EXPECT_FALSE(parse_proc_status("Name:\tr1\nVmRSS:\t 1 kB\n").has_value());  // no VmHWM
  EXPECT_FALSE(parse_proc_status("VmRSS:\t x kB\nVmHWM:\t 1 kB\n").has_value());
}

TEST(ProcessMemory, TouchedMemoryRaisesRssAndPeak) {
  const auto before = read_process_memory();
  ASSERT_TRUE(before.has_value());
  EXPECT_GE(before->rss_peak_bytes, before->rss_bytes);
  EXPECT_GT(before->rss_bytes, 0);
  constexpr size_t kBytes = size_t(64) << 20;
  std::unique_ptr<char[]> block(new char[kBytes]);
  std::memset(block.get(), 1, kBytes);
  const auto after = read_process_memory();
  ASSERT_TRUE(after.has_value());
  EXPECT_GE(after->rss_bytes - before->rss_bytes, int64_t(kBytes) * 9 / 10);
  EXPECT_GE(after->rss_anon_bytes - before->rss_anon_bytes, int64_t(kBytes) * 9 / 10);
  EXPECT_GE(after->rss_peak_bytes, after->rss_bytes);
  EXPECT_EQ(block[kBytes - 1], 1);
}

}  // namespace
}  // namespace r1
