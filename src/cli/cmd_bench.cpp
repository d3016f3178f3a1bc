// `r1 bench`: prompt-processing and generation speed like llama-bench: ppN runs one forward
// pass over N random tokens, tgN decodes N tokens one at a time from an empty cache; each test
// runs -r times after a warm-up, reported as mean +- sample standard deviation. Then the memory:
// KV-cache bytes per token (as cached and naive), and the resident set at the end of the last
// test (its KV cache still allocated) next to the parts it should be made of: mapped weights and
// the KV cache, each test's cache sized to exactly the tokens it runs. --streams S decodes S
// sequences at once (one batch per step; under mpirun one micro-batch per pipeline stage, all in
// flight, so every stage is busy).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <memory>
#include <optional>
#include <random>

#include "checkpoint/model_dir.h"
#include "cli/commands.h"
#include "cli/pipeline_flag.h"
#include "cli/sampling_flags.h"
#include "core/error.h"
#include "core/process_memory.h"
#include "core/si_units.h"
#include "core/thread_pool.h"
#include "infer/kv_cache_report.h"
#include "infer/pipeline.h"
#include "infer/stored_weights.h"
#include "io/json_file.h"
#include "model/model.h"
#include "model/size_math.h"

namespace r1::cli {

namespace {

struct BenchArgs {
  std::string model, pipeline_layers;
  int64_t prompt = 512, gen = 128;
  int reps = 5, threads = 0, streams = 1;
  bool json = false;
};

struct Result {
  double mean = 0, stddev = 0;
};

Result summarise(const std::vector<double>& rates) {
  Result r;
  for (double x : rates) r.mean += x / double(rates.size());
  for (double x : rates)
    r.stddev += (x - r.mean) * (x - r.mean) / double(std::max<size_t>(1, rates.size() - 1));
  r.stddev = std::sqrt(r.stddev);
  return r;
}

double seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::vector<int32_t> random_tokens(int64_t n, int64_t vocab, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<int32_t> t(static_cast<size_t>(n));
  for (auto& x : t) x = int32_t(rng() % uint64_t(vocab));
  return t;
}

// The process's memory at the end of a test, taken while its KV cache is still allocated.
struct MemorySnapshot {
  std::string test;  // "tg64"
  std::optional<ProcessMemory> memory;
  int64_t kv_cache_tokens = 0, kv_cache_bytes = 0, sequences = 1;
};

void take_snapshot(MemorySnapshot* snap, const std::string& test,
                   const std::vector<KvCache>& caches) {
  if (!snap) return;
  int64_t bytes = 0;
  for (const KvCache& c : caches) bytes += c.allocated_bytes();
  *snap = {test, read_process_memory(), caches.front().capacity, bytes, int64_t(caches.size())};
}

// Tokens per second of one prefill pass of n tokens.
double time_prompt(const Model& m, int64_t n, uint64_t seed, MemorySnapshot* snap = nullptr) {
  KvCache cache = m.new_cache(n);
  const auto tokens = random_tokens(n, m.config().vocab_size, seed);
  const auto t0 = std::chrono::steady_clock::now();
  m.forward_batch({{tokens, &cache}}, false);
  const double rate = double(n) / seconds(t0);
  std::vector<KvCache> caches;
  caches.push_back(std::move(cache));
  take_snapshot(snap, std::string("pp") + std::to_string(n), caches);
  return rate;
}

std::string tg_name(int64_t n, int streams) {
  return "tg" + std::to_string(n) + (streams > 1 ? " x" + std::to_string(streams) : "");
}

// Tokens per second, all sequences together, of n single-token decode steps of `streams`
// sequences split into `groups` micro-batches: one batch per step when groups == 1; otherwise
// every group in flight at once (Model::start_batch), each started again as soon as its last
// step is back, as sampling would need.
double time_generation(const Model& m, int64_t n, int streams, int groups, uint64_t seed,
                       MemorySnapshot* snap = nullptr) {
  std::vector<KvCache> caches;
  for (int s = 0; s < streams; ++s) caches.push_back(m.new_cache(n));
  const auto tokens = random_tokens(n * streams, m.config().vocab_size, seed);  // [n, streams]
  auto steps = [&](int64_t i, int g) {  // group g's sequences at step i
    std::vector<Model::SequenceStep> out;
    for (int s = streams * g / groups; s < streams * (g + 1) / groups; ++s)
      out.push_back({{tokens[size_t(i * streams + s)]}, &caches[size_t(s)]});
    return out;
  };
  const auto t0 = std::chrono::steady_clock::now();
  if (groups == 1) {
    for (int64_t i = 0; i < n; ++i) m.forward_batch(steps(i, 0), false);
  } else {
    std::deque<Model::BatchInFlight> flight;  // oldest first
    for (int64_t i = 0; i < n; ++i)
      for (int g = 0; g < groups; ++g) {
        if (int(flight.size()) == groups) {  // group g's last step
          m.finish_batch(flight.front());
          flight.pop_front();
        }
        flight.push_back(m.start_batch(steps(i, g), false));
      }
    for (; !flight.empty(); flight.pop_front()) m.finish_batch(flight.front());
  }
  const double rate = double(n * streams) / seconds(t0);
  take_snapshot(snap, tg_name(n, streams), caches);
  return rate;
}

std::string bytes_str(int64_t bytes) {
  return si_units(double(bytes), "B");
}

void print_memory(const ModelConfig& c, const MemorySnapshot& s, int64_t weights_bytes) {
  std::printf("\n%s", kv_cache_summary(c, "kv cache: ").c_str());
  if (!s.memory) {
    std::printf("memory:   /proc/self/status is unreadable: no RSS on this system\n");
    return;
  }
  const ProcessMemory& m = *s.memory;
  std::printf("memory:   peak RSS %s; RSS after %s %s (file-backed %s, anonymous %s)\n",
              bytes_str(m.rss_peak_bytes).c_str(), s.test.c_str(), bytes_str(m.rss_bytes).c_str(),
              bytes_str(m.rss_file_bytes).c_str(), bytes_str(m.rss_anon_bytes).c_str());
  const int64_t other = m.rss_bytes - weights_bytes - s.kv_cache_bytes;
  const std::string rest = other >= 0 ? bytes_str(other) + " rest (binary, libraries, buffers)"
                                      : std::string("no rest: some weights were never read");
  const bool mtp = c.is_deepseek() && c.num_nextn_predict_layers > 0;
  std::printf(
      "          expected: weights %s (mapped, or copied in the decode layout) + KV cache %s (%lld tokens x %s "
      "x %lld sequence%s%s, anonymous) + %s\n",
      bytes_str(weights_bytes).c_str(), bytes_str(s.kv_cache_bytes).c_str(),
      (long long)s.kv_cache_tokens, bytes_str(KvCache::bytes_per_token(c)).c_str(),
      (long long)s.sequences, s.sequences > 1 ? "s" : "", mtp ? ", + the MTP layers" : "",
      rest.c_str());
}

void run_bench(const BenchArgs& a, Comm& world) {
  if (a.prompt < 0 || a.gen < 0 || (a.prompt == 0 && a.gen == 0))
    throw UsageError("-p and -n must be >= 0 and not both 0");
  if (a.reps < 1) throw UsageError("-r must be >= 1");
  if (a.streams < 1 || a.streams > 1024) throw UsageError("--streams must be in [1, 1024]");
  apply_threads(a.threads);
  const auto model = load_inference_model(ModelDir::open(a.model), world, a.pipeline_layers);
  if (!model) return;  // a later pipeline stage: it served its layers until rank 0 was done
  const ModelConfig& c = model->config();
  // One micro-batch per pipeline stage keeps every stage busy.
  const int groups = std::min(a.streams, world.size());
  time_generation(*model, 2, a.streams, groups, 1);  // warm-up: page in the weights, threads
  if (a.prompt > 0) time_prompt(*model, std::min<int64_t>(a.prompt, 16), 2);

  std::vector<double> pp, tg;
  MemorySnapshot snap;  // at the end of the last test
  for (int r = 0; r < a.reps; ++r) {
    const bool last = r + 1 == a.reps;
    if (a.prompt > 0)
      pp.push_back(
          time_prompt(*model, a.prompt, 10 + uint64_t(r), last && a.gen == 0 ? &snap : nullptr));
    if (a.gen > 0)
      tg.push_back(time_generation(*model, a.gen, a.streams, groups, 20 + uint64_t(r),
                                   last ? &snap : nullptr));
  }
  const Result p = summarise(pp), g = summarise(tg);
  const int64_t weights_bytes = stored_model_bytes(*model);
  const double params =
      double(size_report(c, [](const WeightSpec&) { return int64_t(0); }).params_total);
  const int threads = default_threads();
  if (a.json) {
    Json j = {{"model", a.model},     {"params", params},     {"threads", threads},
              {"n_prompt", a.prompt}, {"n_gen", a.gen},       {"repetitions", a.reps},
              {"streams", a.streams}, {"ranks", world.size()}};
    if (a.prompt > 0) j["pp_tokens_per_s"] = p.mean, j["pp_stddev"] = p.stddev;
    if (a.gen > 0) j["tg_tokens_per_s"] = g.mean, j["tg_stddev"] = g.stddev;
    j["kv_bytes_per_token"] = KvCache::bytes_per_token(c);
    j["kv_bytes_per_token_naive"] = KvCache::naive_bytes_per_token(c);
    j["weights_bytes"] = weights_bytes;
    j["kv_cache_bytes"] = snap.kv_cache_bytes;
    j["kv_cache_tokens"] = snap.kv_cache_tokens;
    if (snap.memory) {
      j["rss_peak_bytes"] = snap.memory->rss_peak_bytes;
      j["rss_bytes"] = snap.memory->rss_bytes;
      j["rss_file_bytes"] = snap.memory->rss_file_bytes;
      j["rss_anon_bytes"] = snap.memory->rss_anon_bytes;
    }
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("| model | params | threads | test | t/s |\n|---|---:|---:|---:|---:|\n");
  const std::string name =
      std::string(arch_name(c.arch)) + " " + std::to_string(c.num_hidden_layers) + "L";
  if (a.prompt > 0)
    std::printf("| %s | %.2f M | %d | pp%lld | %.2f ± %.2f |\n", name.c_str(), params / 1e6,
                threads, (long long)a.prompt, p.mean, p.stddev);
  if (a.gen > 0)
    std::printf("| %s | %.2f M | %d | %s | %.2f ± %.2f |\n", name.c_str(), params / 1e6, threads,
                tg_name(a.gen, a.streams).c_str(), g.mean, g.stddev);
  print_memory(c, snap, weights_bytes);
}

}  // namespace

void add_bench(CLI::App& app, Comm& world) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand("bench", "Prompt processing and generation tokens/s");
  cmd->add_option("--model", args->model, "checkpoint directory or .gguf file")->required();
  cmd->add_option("-p,--n-prompt", args->prompt, "prompt tokens, 0 = skip (default 512)");
  cmd->add_option("-n,--n-gen", args->gen, "generated tokens, 0 = skip (default 128)");
  cmd->add_option("-r,--repetitions", args->reps, "repetitions of each test (default 5)");
  cmd->add_flag("--json", args->json,
                "print a JSON object (rates, KV bytes per token, RSS, weights and KV bytes)");
  cmd->add_option("--streams", args->streams,
                  "sequences decoded at once in the tg test, t/s counting all (default 1); "
                  "under mpirun one micro-batch per rank, all in flight");
  add_threads_flag(cmd, args->threads);
  add_pipeline_flag(cmd, args->pipeline_layers);
  cmd->callback([args, &world] { run_bench(*args, world); });
}

}  // namespace r1::cli
