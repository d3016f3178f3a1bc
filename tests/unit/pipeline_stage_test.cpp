// A pipeline in one process: rank 0's model over the tiny V3's first layer, two later stages
// (PipelineStage) over the others, the messages handed over in memory. Everything of infer/ on
// it (sampled samples with forked caches, MTP speculation, a multi-turn session that cuts its
// cache back, continuous batching with joins and cancels, micro-batches in flight) gives what the
// whole model gives; each part maps and caches only its layers; a header naming a cache state a
// stage lacks is a CommError.
#include "infer/pipeline_stage.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "checkpoint/model_dir.h"
#include "comm/comm.h"
#include "infer/batch_decoder.h"
#include "infer/generator.h"
#include "infer/session.h"
#include "infer/speculative.h"
#include "infer/stored_weights.h"
#include "test_util.h"

namespace r1 {
namespace {

// The later stages, run in memory when rank 0 receives: passes go through them in the order sent.
class LocalStages : public StagesHead {
 public:
  LocalStages(int64_t first_layer, const std::vector<const Model*>& stages)
      : StagesHead(first_layer, int(stages.size())) {
    for (const Model* m : stages) stages_.emplace_back(*m);
  }
  void forward(float* x, int64_t N, const SeqSpans& spans) override {
    send(x, N, spans);
    receive(x, N);
  }
  void send(const float*, int64_t N, const SeqSpans& spans) override {
    const std::lock_guard<std::mutex> lock(mu_);
    sent_.push_back(pass_header(N, spans));
  }
  void receive(float* x, int64_t N) override {
    ASSERT_FALSE(sent_.empty());
    const StageHeader h = sent_.front();
    sent_.pop_front();
    ASSERT_EQ(h.rows, N);
    for (PipelineStage& s : stages_) s.run(h, x);
    ++passes_;
  }
  int passes_ = 0;

 private:
  std::vector<PipelineStage> stages_;
  std::deque<StageHeader> sent_;
};

class PipelineInMemory : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = test::make_temp_dir("pipeline_stage") + "/v3";
    ASSERT_EQ(test::run_r1("init --preset tiny --dtype f32 --out " + path).exit_code, 0);
    dir_ = std::make_unique<ModelDir>(ModelDir::open(path));
    whole_ = dir_->load_model();
    stage1_ = dir_->load_model(ModelPart{1, 2, false});
    stage2_ = dir_->load_model(ModelPart{2, 3, false});
    stages_ =
        std::make_shared<LocalStages>(1, std::vector<const Model*>{stage1_.get(), stage2_.get()});
    head_ = dir_->load_model(ModelPart{0, 1, true}, stages_);
  }

  static GenerationRequest request(std::vector<int32_t> prompt, int n, float temperature,
                                   int64_t max_tokens = 12) {
    GenerationRequest r;
    r.prompt = std::move(prompt);
    r.n = n;
    r.sampling.temperature = temperature;
    r.sampling.seed = 7;
    r.max_tokens = max_tokens;
    return r;
  }

  std::unique_ptr<ModelDir> dir_;
  std::unique_ptr<Model> whole_, stage1_, stage2_, head_;
  std::shared_ptr<LocalStages> stages_;
};

std::vector<std::vector<int32_t>> tokens_of(const std::vector<Completion>& done) {
  std::vector<std::vector<int32_t>> out;
  for (const Completion& c : done) out.push_back(c.tokens);
  return out;
}

TEST_F(PipelineInMemory, EachPartMapsAndCachesOnlyItsLayers) {
  EXPECT_TRUE(head_->weights().layers[0].attn_norm.defined());
  EXPECT_FALSE(head_->weights().layers[1].attn_norm.defined());
  EXPECT_FALSE(stage1_->weights().embed.defined());
  EXPECT_TRUE(stage1_->weights().layers[1].attn_norm.defined());
  EXPECT_FALSE(stage1_->weights().layers[2].attn_norm.defined());
  EXPECT_EQ(
      stored_model_bytes(*head_) + stored_model_bytes(*stage1_) + stored_model_bytes(*stage2_),
      stored_model_bytes(*whole_));
  // The parts' caches add up to the whole model's (rank 0 also holds the MTP layer's).
  EXPECT_EQ(head_->new_cache(16).allocated_bytes() + stage1_->new_cache(16).allocated_bytes() +
                stage2_->new_cache(16).allocated_bytes(),
            whole_->new_cache(16).allocated_bytes());
}

TEST_F(PipelineInMemory, GeneratorSamplesAndSpeculationMatchTheWholeModel) {
  const std::vector<GenerationRequest> requests = {request({5, 17, 3}, 3, 0.9f),
                                                   request({9, 1, 250, 4, 4}, 2, 0.0f)};
  const Generator whole(*whole_, nullptr, {}), split(*head_, nullptr, {});
  const auto want = whole.generate_many(requests), got = split.generate_many(requests);
  ASSERT_EQ(got.size(), want.size());
  for (size_t q = 0; q < want.size(); ++q) EXPECT_EQ(tokens_of(got[q]), tokens_of(want[q])) << q;
  EXPECT_GT(stages_->passes_, 10);

  SpeculativeStats st;
  EXPECT_EQ(generate_speculative(*head_, {5, 17, 3}, 20, {}, &st),
            generate_speculative(*whole_, {5, 17, 3}, 20, {}, nullptr));
  EXPECT_GT(st.drafted - st.accepted, 0);  // a rejected draft was cut from the stages' caches
}

TEST_F(PipelineInMemory, SessionTurnsReuseAndCutTheCacheOnEveryStage) {
  Session whole(*whole_, nullptr, {}, 64), split(*head_, nullptr, {}, 64);
  const std::vector<std::vector<int32_t>> turns = {
      {5, 17, 3}, {5, 17, 3, 8, 8, 9}, {5, 17, 44, 2}, {5, 17, 44, 2, 100, 101, 102}};
  for (const std::vector<int32_t>& prompt : turns) {
    TurnStats a, b;
    EXPECT_EQ(split.generate(request(prompt, 1, 0.8f, 6), {}, &b).tokens,
              whole.generate(request(prompt, 1, 0.8f, 6), {}, &a).tokens);
    EXPECT_EQ(b.reused_tokens, a.reused_tokens);
  }
  split.clear(), whole.clear();
  EXPECT_EQ(split.generate(request({7, 7}, 1, 0.0f), {}).tokens,
            whole.generate(request({7, 7}, 1, 0.0f), {}).tokens);
}

// The head keeps one micro-batch in flight per later stage, so a step finishes part of the
// sequences: each sequence's tokens are those of the whole model, the cancelled one's up to its
// cancel.
TEST_F(PipelineInMemory, ContinuousBatchingMatchesTheWholeModel) {
  EXPECT_EQ(head_->pipeline_depth(), 3);
  int64_t cancelled = -1;
  auto run = [&](const Model& m) {
    BatchDecoder d(m, nullptr, {});
    std::map<int64_t, std::vector<int32_t>> tokens;
    auto step = [&] {
      for (const DecodeEvent& e : d.step()) tokens[e.sequence].push_back(e.token);
    };
    const std::vector<int64_t> a = d.add(request({5, 17, 3}, 3, 0.9f, 10));
    step();
    step();
    d.add(request({8, 8, 1, 2}, 2, 0.7f, 8));
    step();
    d.remove(cancelled = a[1]);
    while (d.size() > 0) step();
    return tokens;
  };
  std::map<int64_t, std::vector<int32_t>> split = run(*head_), whole = run(*whole_);
  ASSERT_EQ(split.size(), 5u);
  ASSERT_EQ(whole.size(), 5u);
  std::vector<int32_t>& a = split[cancelled];
  std::vector<int32_t>& b = whole[cancelled];
  const size_t cut = std::min(a.size(), b.size());
  EXPECT_GT(cut, 0u);
  EXPECT_EQ(std::vector<int32_t>(a.begin(), a.begin() + cut),
            std::vector<int32_t>(b.begin(), b.begin() + cut));
  split.erase(cancelled), whole.erase(cancelled);
  EXPECT_EQ(split, whole);
}

// The prefix cache's copies are forks on every stage: requests sharing a prefix, run one after
// another, decode what the whole model decodes with its own prefix cache.
TEST_F(PipelineInMemory, PrefixCacheReuseForksEveryStage) {
  auto run = [](const Model& m) {
    BatchDecoder d(m, nullptr, {}, 16 << 20);
    std::vector<std::vector<int32_t>> out;
    for (const std::vector<int32_t>& prompt :
         {std::vector<int32_t>{5, 17, 3, 8}, {5, 17, 3, 8, 9, 9}, {5, 17, 4}}) {
      std::map<int64_t, std::vector<int32_t>> got;
      for (int64_t id : d.add(request(prompt, 2, 0.8f, 6))) got[id];
      while (d.size() > 0)
        for (const DecodeEvent& e : d.step()) got[e.sequence].push_back(e.token);
      for (auto& [id, tokens] : got) out.push_back(tokens);
    }
    EXPECT_EQ(d.prefix_cache_stats().hits, 2);
    return out;
  };
  EXPECT_EQ(run(*head_), run(*whole_));
}

TEST_F(PipelineInMemory, MicroBatchesInFlightGiveTheLogitsOfOneBatch) {
  std::vector<KvCache> whole_caches, split_caches;
  for (int s = 0; s < 4; ++s) {
    whole_caches.push_back(whole_->new_cache(8));
    split_caches.push_back(head_->new_cache(8));
  }
  for (int32_t step = 0; step < 5; ++step) {
    std::vector<Model::SequenceStep> all, first, second;
    for (int s = 0; s < 4; ++s) {
      all.push_back({{int32_t(10 * s + step)}, &whole_caches[size_t(s)]});
      (s < 2 ? first : second).push_back({{int32_t(10 * s + step)}, &split_caches[size_t(s)]});
    }
    const Tensor want = whole_->forward_batch(all, false);  // [4, V]
    Model::BatchInFlight a = head_->start_batch(first, false);
    Model::BatchInFlight b = head_->start_batch(second, false);
    const Tensor got_a = head_->finish_batch(a), got_b = head_->finish_batch(b);  // [2, V] each
    const int64_t V = want.dim(1);
    Tensor got = Tensor::zeros(DType::F32, {4, V});
    std::copy_n(got_a.f32(), 2 * V, got.f32());
    std::copy_n(got_b.f32(), 2 * V, got.f32() + 2 * V);
    EXPECT_LT(test::max_relative_error(got, want), 1e-6) << step;
  }
}

TEST_F(PipelineInMemory, AHeaderNamingAMissingCacheStateIsACommError) {
  PipelineStage stage(*stage1_);
  std::vector<float> x(size_t(2 * whole_->config().hidden_size));
  StageHeader h{StageOp::Forward, 2, {}, {{0, 2, 5, 0, 16}}};  // writes at 5 of an empty cache
  EXPECT_THROW(stage.run(h, x.data()), CommError);
  h = {StageOp::Forward, 0, {{CacheOp::Copy, 1, 16, 7, 3, 0, 0}}, {}};  // a cache never seen
  EXPECT_THROW(stage.run(h, x.data()), CommError);
  h = {StageOp::Forward, 0, {{CacheOp::Copy, 1, 16, 1, 0, 0, 4}}, {}};  // past its length (0)
  EXPECT_THROW(stage.run(h, x.data()), CommError);
}

}  // namespace
}  // namespace r1
