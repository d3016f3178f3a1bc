// What an output path holds (train/run_output.h): nothing, a file, a model, a checkpoint (also
// one left only in DIR.prev by an interrupted save), and what starting over removes.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"
#include "io/json_file.h"
#include "io_test_util.h"
#include "test_util.h"
#include "train/run_output.h"

namespace fs = std::filesystem;

namespace r1 {
namespace {

TEST(RunOutput, DescribesWhatAPathHolds) {
  const std::string dir = test::make_temp_dir("run_output");
  EXPECT_EQ(describe_existing_output(dir + "/missing"), "");
  EXPECT_EQ(describe_existing_output(dir), "") << "an empty directory";
  write_text_file_atomic(dir + "/empty.jsonl", "");
  EXPECT_EQ(describe_existing_output(dir + "/empty.jsonl"), "");
  write_text_file_atomic(dir + "/m.jsonl", "{}\n");
  EXPECT_EQ(describe_existing_output(dir + "/m.jsonl"), "a file of 3 bytes");
  EXPECT_EQ(describe_existing_output(dir), "a directory of 2 entries");
  fs::create_directories(dir + "/model");
  write_text_file_atomic(dir + "/model/config.json", "{}");
  EXPECT_EQ(describe_existing_output(dir + "/model"), "a model directory");
  fs::create_directories(dir + "/run.prev");
  write_text_file_atomic(dir + "/run.prev/trainer_state.json", "{\"step\": 5}");
  EXPECT_EQ(describe_existing_output(dir + "/run"),
            "a checkpoint at step 5 (in " + dir + "/run.prev, left by an interrupted save)");
  testing::expect_error<UsageError>(
      [&] { check_run_output(dir + "/run", dir + "/run.metrics.jsonl", OutputMode::Fresh); },
      {"--out " + dir + "/run already holds a checkpoint at step 5", "--resume", "--overwrite"});
  check_run_output(dir + "/run", dir + "/run.metrics.jsonl", OutputMode::Resume);
  testing::expect_error<UsageError>(
      [&] { check_run_output(dir + "/model", dir + "/x.jsonl", OutputMode::Resume); },
      {"--resume: --out " + dir + "/model holds no checkpoint to continue"});
  remove_old_checkpoint(dir + "/run");
  EXPECT_FALSE(fs::exists(dir + "/run.prev"));
  remove_old_checkpoint(dir + "/model");
  EXPECT_TRUE(fs::exists(dir + "/model/config.json")) << "not a checkpoint: left alone";
  testing::expect_error<UsageError>([] { output_mode(true, true); }, {"exclude each other"});
}

}  // namespace
}  // namespace r1
