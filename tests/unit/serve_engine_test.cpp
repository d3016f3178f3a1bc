// The continuous-batching engine against Generator: requests that join a running batch at
// different steps decode exactly what they decode alone; a cancelled request frees its slots;
// a full queue refuses with 503.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "checkpoint/model_dir.h"
#include "infer/batch_decoder.h"
#include "serve_test_util.h"
#include "server/api_error.h"

namespace r1::server {
namespace {

using namespace std::chrono_literals;

struct Loaded {
  ServedModel served = ServedModel::load(test::serve_model_dir(), 0);
  Generator generator{*served.model, served.tokenizer.get(), served.stop_ids};
};

GenerationRequest request_for(const Loaded& m, const std::string& text, int64_t max_tokens,
                              float temperature = 0.0f, int n = 1) {
  GenerationRequest r;
  r.prompt = chat_prompt(m.served, {{"user", text, "", "", nullptr}});
  r.max_tokens = max_tokens;
  r.n = n;
  r.sampling.temperature = temperature;
  r.sampling.seed = 7;
  return r;
}

// Drives a BatchDecoder to the end; ids -> generated tokens.
std::map<int64_t, std::vector<int32_t>> run_to_end(
    BatchDecoder& d, std::map<int64_t, std::vector<int32_t>> out = {}) {
  while (d.size() > 0)
    for (const DecodeEvent& e : d.step()) out[e.sequence].push_back(e.token);
  return out;
}

TEST(ServeEngine, RequestsJoiningARunningBatchDecodeAsAlone) {
  Loaded m;
  const GenerationRequest a = request_for(m, "hello there", 24);
  const GenerationRequest b = request_for(m, "what is two plus two?", 16, 1.0f, 3);
  const GenerationRequest c = request_for(m, "x", 9, 0.7f);
  BatchDecoder d(*m.served.model, m.served.tokenizer.get(), m.served.stop_ids);
  std::map<int64_t, std::vector<int32_t>> got;
  const std::vector<int64_t> ids_a = d.add(a);
  for (int step = 0; step < 3; ++step)  // a runs alone for three steps, then b joins
    for (const DecodeEvent& e : d.step()) got[e.sequence].push_back(e.token);
  const std::vector<int64_t> ids_b = d.add(b);
  for (const DecodeEvent& e : d.step()) got[e.sequence].push_back(e.token);
  const std::vector<int64_t> ids_c = d.add(c);
  got = run_to_end(d, got);

  const auto want_a = m.generator.generate(a), want_b = m.generator.generate(b),
             want_c = m.generator.generate(c);
  EXPECT_EQ(got[ids_a[0]], want_a[0].tokens);
  ASSERT_EQ(ids_b.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(got[ids_b[i]], want_b[i].tokens) << "sample " << i;
  EXPECT_NE(want_b[0].tokens, want_b[1].tokens);  // seeds seed + i really differ
  EXPECT_EQ(got[ids_c[0]], want_c[0].tokens);
}

TEST(ServeEngine, RemovedSequencesLeaveTheOthersExact) {
  Loaded m;
  const GenerationRequest a = request_for(m, "first", 20), b = request_for(m, "second", 12, 0, 2);
  BatchDecoder d(*m.served.model, m.served.tokenizer.get(), m.served.stop_ids);
  const std::vector<int64_t> ids_b = d.add(b);
  const std::vector<int64_t> ids_a = d.add(a);
  d.remove(ids_b[0]);  // before its prefill: its fork computes the prompt itself
  const auto got = run_to_end(d);
  EXPECT_EQ(got.count(ids_b[0]), 0u);
  EXPECT_EQ(got.at(ids_b[1]), m.generator.generate(b)[1].tokens);
  EXPECT_EQ(got.at(ids_a[0]), m.generator.generate(a)[0].tokens);
}

// Collects a job's tokens per choice until it is over.
std::vector<std::vector<TokenEvent>> collect(GenerationJob& job) {
  std::vector<std::vector<TokenEvent>> choices(size_t(job.choices()));
  std::vector<TokenEvent> events;
  for (bool more = true; more;) {
    events.clear();
    more = job.wait(events, 50ms);
    for (TokenEvent& e : events) choices[size_t(e.choice)].push_back(std::move(e));
  }
  return choices;
}

TEST(ServeEngine, EightConcurrentRequestsEachEqualTheirSingleRun) {
  Loaded m;
  BatchEngine engine(*m.served.model, m.served.tokenizer.get(), m.served.stop_ids, {4, 16});
  std::vector<GenerationRequest> requests;
  std::vector<Completion> wants;  // first: the kernels' thread pool takes one caller at a time
  for (int i = 0; i < 8; ++i) {
    requests.push_back(request_for(m, "question number " + std::to_string(i * 37), 5 + 4 * i,
                                   i % 2 ? 0.8f : 0.0f));
    wants.push_back(m.generator.generate(requests.back())[0]);
  }
  std::vector<std::shared_ptr<GenerationJob>> jobs;
  for (const GenerationRequest& r : requests) jobs.push_back(engine.submit(r));
  for (size_t i = 0; i < jobs.size(); ++i) {
    const auto choices = collect(*jobs[i]);
    const Completion& want = wants[i];
    std::string text;
    for (const TokenEvent& e : choices[0]) text += e.text;
    EXPECT_EQ(text, want.text) << "request " << i;
    EXPECT_EQ(choices[0].size(), want.tokens.size()) << "request " << i;
    EXPECT_EQ(choices[0].back().finish_reason, want.finish_reason) << "request " << i;
    EXPECT_FALSE(jobs[i]->failure());
  }
  const EngineStats s = engine.stats();
  EXPECT_EQ(s.active_slots, 0);
  EXPECT_EQ(s.queued, 0);
  EXPECT_GT(s.generated_tokens, 0);
}

TEST(ServeEngine, CancelledJobFreesItsSlotsAndAFullQueueRefuses) {
  Loaded m;
  BatchEngine engine(*m.served.model, m.served.tokenizer.get(), m.served.stop_ids, {2, 1});
  const auto running = engine.submit(request_for(m, "go on", 900, 1.0f, 2));
  const auto waiting = engine.submit(request_for(m, "wait", 4));
  try {
    engine.submit(request_for(m, "too many", 4));
    ADD_FAILURE() << "a third request must not fit: 2 slots busy, a queue of 1";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 503);
  }
  try {
    engine.submit(request_for(m, "wide", 4, 0.5f, 3));
    ADD_FAILURE() << "n above the slots is refused";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_EQ(e.param(), "n");
  }
  running->cancel();
  const auto choices = collect(*waiting);  // runs once the cancelled job left
  EXPECT_FALSE(choices[0].empty());
  for (int i = 0; i < 200 && engine.stats().active_slots != 0; ++i)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(engine.stats().active_slots, 0);
  engine.stop();
  EXPECT_THROW(engine.submit(request_for(m, "late", 4)), ApiError);
}

}  // namespace
}  // namespace r1::server
