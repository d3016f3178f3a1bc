// The OpenAI API over HTTP on a tiny R1 chat model: chat.completion and its streamed chunks,
// the reasoning split, greedy replies equal to Generator's, usage, /v1/completions, /v1/models,
// /health, /metrics, concurrent requests, a client leaving mid-stream.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "chat/reasoning_parser.h"
#include "serve_test_util.h"

namespace r1::test {
namespace {

Json chat_body(const std::string& text, int64_t max_tokens) {
  return {{"model", "tiny-r1"},
          {"messages", Json::array({{{"role", "user"}, {"content", text}}})},
          {"max_tokens", max_tokens},
          {"temperature", 0}};
}

// Generator's greedy reply to one user message, rendered as the server renders it.
Completion greedy_reply(const server::ServedModel& m, const std::string& text, int64_t max_tokens) {
  GenerationRequest r;
  r.prompt = server::chat_prompt(m, {{"user", text, "", "", nullptr}});
  r.max_tokens = max_tokens;
  r.sampling.temperature = 0;
  return Generator(*m.model, m.tokenizer.get(), m.stop_ids).generate(r)[0];
}

TEST(ServeApi, ChatCompletionEqualsGeneratorAndSplitsTheReasoning) {
  TestServer server;
  const ClientResponse r = post_json(server.port(), "/v1/chat/completions", chat_body("hi", 12));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
  const Json j = Json::parse(r.body);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["model"], "tiny-r1");
  EXPECT_EQ(j["id"].get<std::string>().rfind("chatcmpl-", 0), 0u);
  ASSERT_EQ(j["choices"].size(), 1u);
  const Json& choice = j["choices"][0];
  const Completion want = greedy_reply(server.model(), "hi", 12);
  // R1's template ends the prompt inside <think>: the reply starts as reasoning.
  const ReasoningDelta split = ReasoningParser::parse(want.text, true);
  EXPECT_EQ(choice["message"]["role"], "assistant");
  EXPECT_EQ(choice["message"]["reasoning_content"], split.reasoning);
  EXPECT_EQ(choice["message"]["content"], split.content);
  EXPECT_EQ(choice["finish_reason"], want.finish_reason);
  const Json& usage = j["usage"];
  EXPECT_EQ(usage["prompt_tokens"],
            server::chat_prompt(server.model(), {{"user", "hi", "", "", nullptr}}).size());
  EXPECT_EQ(usage["completion_tokens"], want.tokens.size());
  EXPECT_EQ(usage["total_tokens"],
            usage["prompt_tokens"].get<int64_t>() + int64_t(want.tokens.size()));
  EXPECT_LE(usage["completion_tokens_details"]["reasoning_tokens"].get<int64_t>(),
            usage["completion_tokens"].get<int64_t>());
  EXPECT_GT(usage["completion_tokens_details"]["reasoning_tokens"].get<int64_t>(), 0);

  Json inline_body = chat_body("hi", 12);
  inline_body["reasoning_format"] = "none";
  const Json inline_reply =
      Json::parse(post_json(server.port(), "/v1/chat/completions", inline_body).body);
  EXPECT_EQ(inline_reply["choices"][0]["message"]["content"], want.text);
  EXPECT_FALSE(inline_reply["choices"][0]["message"].contains("reasoning_content"));
}

TEST(ServeApi, StreamedChunksAddUpToTheWholeReply) {
  TestServer server;
  Json body = chat_body("tell me", 16);
  body["n"] = 2;
  body["temperature"] = 0.9;
  body["seed"] = 5;
  const Json whole = Json::parse(post_json(server.port(), "/v1/chat/completions", body).body);
  body["stream"] = true;
  body["stream_options"] = {{"include_usage", true}};
  const ClientResponse r = post_json(server.port(), "/v1/chat/completions", body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("content-type").rfind("text/event-stream", 0), 0u);
  bool done = false;
  const std::vector<Json> events = sse_events(r.body, &done);
  EXPECT_TRUE(done);
  std::string reasoning[2], content[2], finish[2];
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    const Json& e = events[i];
    EXPECT_EQ(e["object"], "chat.completion.chunk");
    EXPECT_TRUE(e.contains("usage") && e["usage"].is_null());
    ASSERT_EQ(e["choices"].size(), 1u);
    const Json& c = e["choices"][0];
    const size_t k = c["index"].get<size_t>();
    ASSERT_LT(k, 2u);
    if (c["delta"].contains("reasoning_content")) reasoning[k] += c["delta"]["reasoning_content"];
    if (c["delta"].contains("content")) content[k] += c["delta"]["content"];
    if (!c["finish_reason"].is_null()) finish[k] = c["finish_reason"];
  }
  for (size_t k = 0; k < 2; ++k) {
    const Json& message = whole["choices"][k]["message"];
    EXPECT_EQ(reasoning[k], message["reasoning_content"]) << k;
    EXPECT_EQ(content[k], message["content"]) << k;
    EXPECT_EQ(finish[k], whole["choices"][k]["finish_reason"]) << k;
  }
  const Json& last = events.back();
  EXPECT_TRUE(last["choices"].empty());
  EXPECT_EQ(last["usage"], whole["usage"]);
}

TEST(ServeApi, CompletionsModelsHealthAndMetrics) {
  TestServer server;
  const ClientResponse r =
      post_json(server.port(), "/v1/completions",
                {{"prompt", "once upon"}, {"max_tokens", 6}, {"temperature", 0}});
  ASSERT_EQ(r.status, 200) << r.body;
  const Json j = Json::parse(r.body);
  EXPECT_EQ(j["object"], "text_completion");
  GenerationRequest g;
  g.prompt = server.model().tokenizer->encode("once upon", true);
  g.max_tokens = 6;
  g.sampling.temperature = 0;
  const Completion want =
      Generator(*server.model().model, server.model().tokenizer.get(), server.model().stop_ids)
          .generate(g)[0];
  EXPECT_EQ(j["choices"][0]["text"], want.text);
  EXPECT_EQ(j["usage"]["prompt_tokens"], g.prompt.size());
  EXPECT_EQ(j["usage"]["completion_tokens"], want.tokens.size());

  const ClientResponse s =
      post_json(server.port(), "/v1/completions",
                {{"prompt", "once upon"}, {"max_tokens", 6}, {"temperature", 0}, {"stream", true}});
  std::string streamed;
  for (const Json& e : sse_events(s.body)) streamed += e["choices"][0]["text"];
  EXPECT_EQ(streamed, want.text);

  const Json models = Json::parse(http_request(server.port(), "GET", "/v1/models").body);
  EXPECT_EQ(models["object"], "list");
  EXPECT_EQ(models["data"][0]["id"], "tiny-r1");
  EXPECT_EQ(http_request(server.port(), "GET", "/v1/models/tiny-r1").status, 200);
  EXPECT_EQ(Json::parse(http_request(server.port(), "GET", "/health").body)["status"], "ok");
  const ClientResponse m = http_request(server.port(), "GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("r1_requests_total{endpoint=\"/v1/completions\",status=\"200\"} 2"),
            std::string::npos)
      << m.body;
  EXPECT_EQ(metric_value(m.body, "r1_generated_tokens_total"), double(2 * want.tokens.size()));
  EXPECT_EQ(metric_value(m.body, "r1_prompt_tokens_total"), double(2 * g.prompt.size()));
  EXPECT_EQ(metric_value(m.body, "r1_active_slots"), 0);
  EXPECT_EQ(metric_value(m.body, "r1_queue_length"), 0);
  EXPECT_EQ(metric_value(m.body, "r1_slots"), 4);
  EXPECT_GT(metric_value(m.body, "r1_tokens_per_second"), 0);
}

TEST(ServeApi, EightConcurrentChatsEachEqualTheirSingleReply) {
  TestServer server;
  std::vector<std::string> wants;  // first: the kernels' thread pool takes one caller at a time
  for (int i = 0; i < 8; ++i) {
    const Completion want =
        greedy_reply(server.model(), "message " + std::to_string(i * 13), 4 + 3 * i);
    const ReasoningDelta split = ReasoningParser::parse(want.text, true);
    wants.push_back(split.reasoning + "|" + split.content);
  }
  std::vector<std::future<ClientResponse>> replies;
  for (int i = 0; i < 8; ++i)
    replies.push_back(std::async(std::launch::async, [&, i] {
      Json body = chat_body("message " + std::to_string(i * 13), 4 + 3 * i);
      body["stream"] = i % 2 == 1;
      return post_json(server.port(), "/v1/chat/completions", body);
    }));
  for (int i = 0; i < 8; ++i) {
    const ClientResponse r = replies[size_t(i)].get();
    ASSERT_EQ(r.status, 200) << r.body;
    std::string reasoning, content;
    if (i % 2 == 1) {
      for (const Json& e : sse_events(r.body)) {
        if (e["choices"].empty()) continue;
        const Json& delta = e["choices"][0]["delta"];
        if (delta.contains("reasoning_content")) reasoning += delta["reasoning_content"];
        if (delta.contains("content")) content += delta["content"];
      }
    } else {
      const Json reply = Json::parse(r.body);
      const Json& message = reply["choices"][0]["message"];
      reasoning = message["reasoning_content"];
      content = message["content"];
    }
    EXPECT_EQ(reasoning + "|" + content, wants[size_t(i)]) << "request " << i;
  }
}

TEST(ServeApi, ClientLeavingMidStreamFreesItsSlot) {
  TestServer server({.parallel = 1, .max_queue = 4, .ctx = 1024, .api_key = ""});
  HttpTestClient c(server.port());
  Json body = chat_body("story", 1000);  // greedy: no end-of-sequence in 1000 tokens
  body["stream"] = true;
  const std::string text = body.dump();
  c.send("POST /v1/chat/completions HTTP/1.1\r\nContent-Length: " + std::to_string(text.size()) +
         "\r\n\r\n" + text);
  c.read_until("reasoning_content");  // generating
  c.close();
  // The only slot is free again: the next request runs to its end.
  const ClientResponse next =
      post_json(server.port(), "/v1/chat/completions", chat_body("next", 3));
  EXPECT_EQ(next.status, 200) << next.body;
  ClientResponse m;
  for (int i = 0; i < 100; ++i) {  // the left stream's handler counts it as it returns
    m = http_request(server.port(), "GET", "/metrics");
    if (m.body.find("status=\"499\"} 1") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(m.body.find("status=\"499\"} 1"), std::string::npos) << m.body;
  EXPECT_EQ(metric_value(m.body, "r1_active_slots"), 0) << m.body;
  EXPECT_EQ(metric_value(m.body, "r1_queue_length"), 0) << m.body;
}

}  // namespace
}  // namespace r1::test
