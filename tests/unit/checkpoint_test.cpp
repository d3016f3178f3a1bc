// Training checkpoints: f32 bits and trainer state round trip exactly; a process killed with
// SIGKILL at random moments of its saves never leaves the last good checkpoint damaged.
#include "train/checkpoint.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

#include "checkpoint/presets.h"
#include "core/error.h"
#include "io_test_util.h"
#include "test_util.h"

extern char** environ;

namespace r1 {
namespace {

namespace fs = std::filesystem;

const ModelConfig& tiny() {
  return find_preset("tiny").config;
}

TrainerState sample_state() {
  TrainerState s;
  s.step = 17;
  s.data = {4, 64, 2, BatchOrder::Random, 12345678901234567ULL};
  s.schedule = {3e-4, 10, 1000, LrDecay::Cosine, 0.05};
  s.adamw = {0.9, 0.95, 1e-8, 0.1};
  s.clip = 0.7;
  s.flags = Json{{"data", "train.bin"}, {"mtp_weight", 0.3}};
  return s;
}

void fill(float* p, int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  for (int64_t i = 0; i < n; ++i) p[i] = d(rng);
}

// The bits of every layout entry (the padding between entries is not part of a checkpoint).
bool same_bits(const ParamLayout& layout, const Tensor& a, const Tensor& b) {
  for (const ParamEntry& e : layout.entries())
    if (std::memcmp(a.f32() + e.offset, b.f32() + e.offset, sizeof(float) * size_t(e.numel)) != 0)
      return false;
  return a.numel() == b.numel();
}

TEST(Checkpoint, RoundTripsBitsStateAndTokenizerFiles) {
  const std::string root = test::make_temp_dir("ckpt");
  const std::string model = root + "/model", dir = root + "/ckpt";
  fs::create_directories(model);
  testing::write_bytes(model + "/tokenizer.json", "{\"tok\": 1}");
  testing::write_bytes(model + "/tokenizer_config.json", "{\"cfg\": 2}");
  const ParamLayout layout(tiny());
  Tensor params = make_param_buffer(layout);
  fill(params.f32(), layout.total(), 1);
  params.f32()[0] = -0.0f;
  params.f32()[1] = 1e-40f;  // denormal
  AdamWState opt = make_adamw_state(layout);
  fill(opt.exp_avg.f32(), layout.total(), 2);
  fill(opt.exp_avg_sq.f32(), layout.total(), 3);
  opt.step = 17;
  // Moments of a non-trainable buffer are not saved: keep them zero as a fresh state has them.
  for (const ParamEntry& e : layout.entries())
    if (!e.trainable) {
      std::fill_n(opt.exp_avg.f32() + e.offset, e.numel, 0.0f);
      std::fill_n(opt.exp_avg_sq.f32() + e.offset, e.numel, 0.0f);
    }
  const TrainerState state = sample_state();
  save_checkpoint(dir + "/", {&tiny(), &layout, params.f32(), &opt, &state, model});

  const LoadedCheckpoint c = load_checkpoint(dir);
  EXPECT_EQ(c.dir, dir);
  EXPECT_EQ(c.config, tiny());
  EXPECT_TRUE(same_bits(layout, c.params, params));
  EXPECT_TRUE(same_bits(layout, c.optimizer.exp_avg, opt.exp_avg));
  EXPECT_TRUE(same_bits(layout, c.optimizer.exp_avg_sq, opt.exp_avg_sq));
  EXPECT_EQ(c.optimizer.step, 17);
  EXPECT_EQ(trainer_state_to_json(c.state), trainer_state_to_json(state));
  EXPECT_EQ(c.state.data.seed, 12345678901234567ULL);
  EXPECT_EQ(c.state.schedule.lr, 3e-4);
  EXPECT_EQ(testing::read_bytes(dir + "/tokenizer.json"), "{\"tok\": 1}");
  EXPECT_TRUE(fs::exists(dir + "/tokenizer_config.json"));
  EXPECT_TRUE(fs::exists(dir + "/config.json"));

  // A second save replaces the first completely and leaves nothing beside it.
  params.f32()[5] = 42.0f;
  save_checkpoint(dir, {&tiny(), &layout, params.f32(), &opt, &state, dir});
  EXPECT_EQ(load_checkpoint(dir).params.f32()[5], 42.0f);
  EXPECT_TRUE(fs::exists(dir + "/tokenizer.json"));  // copied from itself
  int entries = 0;
  for (const auto& e : fs::directory_iterator(root)) entries += e.path().filename() != "model";
  EXPECT_EQ(entries, 1);

  // Interrupted between the fallback's two renames: DIR.prev is the checkpoint.
  fs::rename(dir, dir + ".prev");
  EXPECT_EQ(load_checkpoint(dir).dir, dir + ".prev");
}

TEST(Checkpoint, BadCheckpointsNameTheFile) {
  const std::string root = test::make_temp_dir("ckpt_bad");
  testing::expect_error<IoError>([&] { load_checkpoint(root); }, {root, "trainer_state.json"});
  Json j = trainer_state_to_json(sample_state());
  j["data"].erase("seq_len");
  testing::expect_error<ConfigError>([&] { trainer_state_from_json(j, "ts.json"); },
                                     {"ts.json", "data.seq_len"});
  j = trainer_state_to_json(sample_state());
  j["lr_schedule"]["decay"] = "linear";
  testing::expect_error<ConfigError>([&] { trainer_state_from_json(j, "ts.json"); },
                                     {"ts.json", "linear"});
  j = trainer_state_to_json(sample_state());
  j["step"] = "seven";
  testing::expect_error<ConfigError>([&] { trainer_state_from_json(j, "ts.json"); },
                                     {"ts.json", "'step'"});
}

// The child of KillDuringSaveNeverDamagesTheLastGood: saves version k = 1, 2, ... (every
// parameter and moment equal to k, step k) into `dir` until killed.
[[noreturn]] void save_until_killed(const std::string& dir) {
  const ParamLayout layout(tiny());
  Tensor params = make_param_buffer(layout);
  AdamWState opt = make_adamw_state(layout);
  TrainerState state = sample_state();
  int64_t k = fs::exists(dir + "/trainer_state.json") ? load_checkpoint(dir).state.step : 0;
  for (;;) {
    ++k;
    std::fill_n(params.f32(), layout.total(), float(k));
    std::fill_n(opt.exp_avg.f32(), layout.total(), float(k));
    std::fill_n(opt.exp_avg_sq.f32(), layout.total(), float(k));
    state.step = opt.step = k;
    save_checkpoint(dir, {&tiny(), &layout, params.f32(), &opt, &state, ""});
  }
}

pid_t spawn_saver(const std::string& dir) {
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  // The same test in a new process is the saver (see its first line).
  std::vector<std::string> args = {
      self, "--gtest_filter=Checkpoint.KillDuringSaveNeverDamagesTheLastGood"};
  std::vector<std::string> env = {"R1_CKPT_CHILD_DIR=" + dir};
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  std::vector<char*> argv, envp;
  for (std::string& a : args) argv.push_back(a.data());
  for (std::string& e : env) envp.push_back(e.data());
  argv.push_back(nullptr);
  envp.push_back(nullptr);
  posix_spawn_file_actions_t quiet;  // the child's gtest banner would clutter this test's output
  posix_spawn_file_actions_init(&quiet);
  posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&quiet, 1, 2);
  pid_t pid = -1;
  EXPECT_EQ(posix_spawn(&pid, self.c_str(), &quiet, nullptr, argv.data(), envp.data()), 0);
  posix_spawn_file_actions_destroy(&quiet);
  return pid;
}

TEST(Checkpoint, KillDuringSaveNeverDamagesTheLastGood) {
  if (const char* child_dir = std::getenv("R1_CKPT_CHILD_DIR")) save_until_killed(child_dir);
  const std::string root = test::make_temp_dir("ckpt_kill");
  const std::string dir = root + "/ckpt";
  std::mt19937 rng(7);
  int64_t last_step = 0, interrupted = 0;
  for (int round = 0; round < 8; ++round) {
    const pid_t pid = spawn_saver(dir);
    ASSERT_GT(pid, 0);
    // Let it finish at least one save beyond the last one seen, then kill at a random moment.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (fs::exists(dir + "/trainer_state.json") && load_checkpoint(dir).state.step > last_step)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 40));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the saver exited on its own: status " << status;
    interrupted += fs::exists(dir + ".tmp-" + std::to_string(pid));

    const LoadedCheckpoint c = load_checkpoint(dir);  // must load, complete and consistent
    const int64_t k = c.state.step;
    EXPECT_GT(k, last_step);
    EXPECT_EQ(c.optimizer.step, k);
    const int64_t n = c.params.numel();
    bool consistent = true;
    for (int64_t i = 0; i < n && consistent; ++i) {
      // Non-trainable buffers have no saved moments (zero after load).
      consistent = c.params.f32()[i] == float(k) || c.params.f32()[i] == 0.0f;
    }
    EXPECT_TRUE(consistent) << "round " << round;
    EXPECT_EQ(c.params.f32()[0], float(k));
    EXPECT_EQ(c.optimizer.exp_avg.f32()[0], float(k));
    last_step = k;
  }
  std::printf("8 kills, %lld of them in the middle of writing a save, last good step %lld\n",
              static_cast<long long>(interrupted), static_cast<long long>(last_step));
  // The partial directories of killed saves are removed by the next save.
  const LoadedCheckpoint c = load_checkpoint(dir);
  const ParamLayout layout(c.config);
  save_checkpoint(dir, {&c.config, &layout, c.params.f32(), &c.optimizer, &c.state, ""});
  int leftovers = 0;
  for (const auto& e : fs::directory_iterator(root)) leftovers += e.path().filename() != "ckpt";
  EXPECT_EQ(leftovers, 0);
}

}  // namespace
}  // namespace r1
