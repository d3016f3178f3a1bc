// Validation of /v1/chat/completions and /v1/completions bodies: the fields a client may send,
// and each bad input answered 400 with the field named in param.
#include "server/chat_request.h"

#include <gtest/gtest.h>

#include <set>

#include "server/api_error.h"
#include "server/openai_fields.h"

namespace r1::server {
namespace {

TEST(ChatRequest, ParsesEveryField) {
  const ChatRequest r = parse_chat_request(R"({
    "model": "r1", "stream": true, "stream_options": {"include_usage": true},
    "messages": [
      {"role": "system", "content": "Be brief."},
      {"role": "user", "content": [{"type": "text", "text": "2+2?"}, {"type": "text", "text": "Why?"}]},
      {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function"}]},
      {"role": "tool", "content": "4", "tool_call_id": "c1", "name": "calc"}],
    "temperature": 0.6, "top_p": 0.95, "max_tokens": 100, "stop": ["</s>", "END"], "seed": -7,
    "n": 2, "presence_penalty": -2, "frequency_penalty": 1.5, "reasoning_format": "none",
    "unknown_field": {"ignored": true}})");
  EXPECT_EQ(r.model, "r1");
  ASSERT_EQ(r.messages.size(), 4u);
  EXPECT_EQ(r.messages[0].role, "system");
  EXPECT_EQ(r.messages[1].content, "2+2?\nWhy?");
  EXPECT_EQ(r.messages[2].content, "");
  EXPECT_EQ(r.messages[2].tool_calls.size(), 1u);
  EXPECT_EQ(r.messages[3].tool_call_id, "c1");
  EXPECT_EQ(r.messages[3].name, "calc");
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
  EXPECT_DOUBLE_EQ(*r.sampling.temperature, 0.6);
  EXPECT_DOUBLE_EQ(*r.sampling.top_p, 0.95);
  EXPECT_EQ(*r.sampling.max_tokens, 100);
  EXPECT_EQ(r.sampling.stop, (std::vector<std::string>{"</s>", "END"}));
  EXPECT_EQ(*r.sampling.seed, -7);
  EXPECT_EQ(r.sampling.n, 2);
  EXPECT_DOUBLE_EQ(r.sampling.presence_penalty, -2);
  EXPECT_DOUBLE_EQ(r.sampling.frequency_penalty, 1.5);
  EXPECT_EQ(r.reasoning_format, ReasoningFormat::kNone);
}

TEST(ChatRequest, DefaultsAndNulls) {
  const ChatRequest r = parse_chat_request(
      R"({"messages": [{"role": "user", "content": "hi"}], "temperature": null, "stop": "x",
          "max_tokens": 5, "max_completion_tokens": 7})");
  EXPECT_EQ(r.model, "");
  EXPECT_FALSE(r.stream);
  EXPECT_FALSE(r.sampling.temperature.has_value());
  EXPECT_FALSE(r.sampling.top_p.has_value());
  EXPECT_EQ(r.sampling.stop, std::vector<std::string>{"x"});
  EXPECT_EQ(*r.sampling.max_tokens, 7);  // max_completion_tokens wins
  EXPECT_EQ(r.sampling.n, 1);
  EXPECT_EQ(r.reasoning_format, ReasoningFormat::kDeepSeek);
}

struct BadCase {
  const char* body;
  const char* param;  // nullptr: param is null
  const char* message_part;
};

void expect_rejected(const BadCase& c, bool completion) {
  try {
    if (completion) {
      parse_completion_request(c.body);
    } else {
      parse_chat_request(c.body);
    }
    ADD_FAILURE() << "accepted: " << c.body;
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400) << c.body;
    EXPECT_EQ(e.type(), "invalid_request_error");
    if (c.param) {
      EXPECT_EQ(e.param().value_or("<null>"), c.param) << c.body;
    } else {
      EXPECT_FALSE(e.param().has_value()) << c.body;
    }
    EXPECT_NE(std::string(e.what()).find(c.message_part), std::string::npos)
        << c.body << " -> " << e.what();
  }
}

#define MSGS R"("messages": [{"role": "user", "content": "hi"}])"

TEST(ChatRequest, BadInputIsA400NamingTheField) {
  const BadCase cases[] = {
      {"", nullptr, "invalid JSON"},
      {"{\"messages\": [", nullptr, "invalid JSON at byte"},
      {"[1, 2]", nullptr, "must be a JSON object, got an array"},
      {"\"text\"", nullptr, "must be a JSON object"},
      {"{}", "messages", "'messages' is missing"},
      {R"({"messages": []})", "messages", "non-empty array"},
      {R"({"messages": "hi"})", "messages", "non-empty array"},
      {R"({"messages": [5]})", "messages[0]", "an object with 'role'"},
      {R"({"messages": [{"content": "x"}]})", "messages[0].role", "is missing"},
      {R"({"messages": [{"role": "robot", "content": "x"}]})", "messages[0].role", "\"robot\""},
      {R"({"messages": [{"role": 1, "content": "x"}]})", "messages[0].role", "a string"},
      {R"({"messages": [{"role": "user"}]})", "messages[0].content", "is missing"},
      {R"({"messages": [{"role": "user", "content": 5}]})", "messages[0].content",
       "a string or an array of text parts"},
      {R"({"messages": [{"role": "user", "content": [{"type": "image_url"}]}]})",
       "messages[0].content[0].type", "other content parts are not supported"},
      {R"({"messages": [{"role": "user", "content": [{"type": "text"}]}]})",
       "messages[0].content[0].text", "is missing"},
      {R"({"messages": [{"role": "user", "content": ["x"]}]})", "messages[0].content[0]",
       "an object"},
      {R"({"messages": [{"role": "assistant", "tool_calls": {}}]})", "messages[0].tool_calls",
       "an array"},
      {R"({"messages": [{"role": "assistant"}]})", "messages[0].content", "is missing"},
      {R"({"model": 3, )" MSGS "}", "model", "a string"},
      {R"({"stream": "yes", )" MSGS "}", "stream", "a boolean"},
      {R"({"stream_options": 1, )" MSGS "}", "stream_options", "an object"},
      {R"({"stream_options": {"include_usage": 1}, )" MSGS "}", "stream_options.include_usage",
       "a boolean"},
      {R"({"temperature": 2.5, )" MSGS "}", "temperature", "a number in [0, 2]"},
      {R"({"temperature": -0.1, )" MSGS "}", "temperature", "got -0.1"},
      {R"({"temperature": "hot", )" MSGS "}", "temperature", "a number"},
      {R"({"top_p": 0, )" MSGS "}", "top_p", "a number in (0, 1]"},
      {R"({"top_p": 1.01, )" MSGS "}", "top_p", "(0, 1]"},
      {R"({"max_tokens": 0, )" MSGS "}", "max_tokens", "an integer >= 1"},
      {R"({"max_tokens": 1.5, )" MSGS "}", "max_tokens", "an integer >= 1"},
      {R"({"max_completion_tokens": -3, )" MSGS "}", "max_completion_tokens", ">= 1"},
      {R"({"stop": 7, )" MSGS "}", "stop", "at most 4"},
      {R"({"stop": ["a", "b", "c", "d", "e"], )" MSGS "}", "stop", "at most 4"},
      {R"({"stop": ["a", 1], )" MSGS "}", "stop[1]", "a non-empty string"},
      {R"({"stop": "", )" MSGS "}", "stop", "non-empty"},
      {R"({"seed": "42", )" MSGS "}", "seed", "an integer"},
      {R"({"seed": 18446744073709551615, )" MSGS "}", "seed", "an integer"},
      {R"({"n": 0, )" MSGS "}", "n", "an integer in [1, 16]"},
      {R"({"n": 17, )" MSGS "}", "n", "[1, 16]"},
      {R"({"presence_penalty": 3, )" MSGS "}", "presence_penalty", "[-2, 2]"},
      {R"({"frequency_penalty": -2.5, )" MSGS "}", "frequency_penalty", "[-2, 2]"},
      {R"({"reasoning_format": "raw", )" MSGS "}", "reasoning_format", "\"deepseek\" or \"none\""},
  };
  for (const BadCase& c : cases) expect_rejected(c, false);
}

TEST(ChatRequest, HostileNestingIsRejectedNotRecursed) {
  const std::string deep =
      "{\"messages\": " + std::string(10000, '[') + std::string(10000, ']') + "}";
  expect_rejected({deep.c_str(), nullptr, "nested deeper"}, false);
}

TEST(CompletionRequest, ParsesPromptForms) {
  EXPECT_EQ(parse_completion_request(R"({"prompt": "Once"})").prompt, "Once");
  const CompletionRequest r = parse_completion_request(
      R"({"model": "m", "prompt": ["Once"], "max_tokens": 3, "stream": true})");
  EXPECT_EQ(r.prompt, "Once");
  EXPECT_EQ(r.model, "m");
  EXPECT_EQ(*r.sampling.max_tokens, 3);
  EXPECT_TRUE(r.stream);
}

TEST(CompletionRequest, BadInputIsA400NamingTheField) {
  const BadCase cases[] = {
      {"{", nullptr, "invalid JSON"},
      {"{}", "prompt", "'prompt' is missing"},
      {R"({"prompt": 5})", "prompt", "a string or an array of one string"},
      {R"({"prompt": []})", "prompt", "an array of one string"},
      {R"({"prompt": ["a", "b"]})", "prompt", "an array of one string"},
      {R"({"prompt": [[1, 2]]})", "prompt[0]", "a string"},
      {R"({"prompt": "x", "temperature": 3})", "temperature", "[0, 2]"},
      {R"({"prompt": "x", "n": "2"})", "n", "an integer"},
  };
  for (const BadCase& c : cases) expect_rejected(c, true);
}

// Each field that would change the answer but is not implemented is refused, naming it, in
// both endpoints where OpenAI has it; null and the neutral values are accepted.
TEST(ChatRequest, UnimplementedFieldsAreRefusedByName) {
  const std::string messages = R"("messages": [{"role": "user", "content": "hi"}])";
  const std::pair<const char*, const char*> chat_refused[] = {
      {"functions", R"([{"name": "f"}])"},
      {"function_call", R"({"name": "f"})"},
      {"logprobs", "true"},
      {"top_logprobs", "2"},
      {"logit_bias", R"({"50256": -100})"},
      {"audio", R"({"voice": "alloy", "format": "wav"})"},
      {"modalities", R"(["text", "audio"])"},
      {"reasoning_effort", R"("low")"},
      {"verbosity", R"("low")"},
      {"web_search_options", "{}"},
      {"json_schema", "{}"},
  };
  for (const auto& [name, value] : chat_refused) {
    try {
      parse_chat_request("{" + messages + ", \"" + name + "\": " + value + "}");
      ADD_FAILURE() << name << " was accepted";
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status(), 400) << name;
      EXPECT_EQ(e.type(), "invalid_request_error") << name;
      EXPECT_EQ(e.param(), name);
      EXPECT_NE(std::string(e.what()).find("not supported"), std::string::npos) << e.what();
    }
  }
  const std::pair<const char*, const char*> completion_refused[] = {
      {"echo", "true"},       {"best_of", "3"},        {"suffix", R"("tail")"},
      {"logprobs", "0"},      {"logit_bias", R"({"1": 5})"},
  };
  for (const auto& [name, value] : completion_refused) {
    try {
      parse_completion_request(std::string(R"({"prompt": "a", ")") + name + "\": " + value + "}");
      ADD_FAILURE() << name << " was accepted";
    } catch (const ApiError& e) {
      EXPECT_EQ(e.param(), name);
    }
  }
  EXPECT_NO_THROW(parse_chat_request("{" + messages + R"(, "tools": [], "tool_choice": "none",
      "logprobs": false, "top_logprobs": null, "response_format": {"type": "text"},
      "logit_bias": {}, "modalities": ["text"], "user": "u", "metadata": {"k": "v"},
      "store": false, "parallel_tool_calls": true, "service_tier": "auto"})"));
  EXPECT_NO_THROW(parse_completion_request(
      R"({"prompt": "a", "echo": false, "best_of": 1, "suffix": "", "logprobs": null})"));
}

// llama-server's sampling extensions are taken per request, with their ranges checked.
TEST(ChatRequest, LlamaServerSamplingExtensions) {
  const std::string messages = R"("messages": [{"role": "user", "content": "hi"}])";
  const ChatRequest r = parse_chat_request(
      "{" + messages + R"(, "top_k": 5, "min_p": 0.1, "repeat_penalty": 1.3})");
  EXPECT_EQ(r.sampling.top_k, 5);
  EXPECT_DOUBLE_EQ(*r.sampling.min_p, 0.1);
  EXPECT_DOUBLE_EQ(*r.sampling.repeat_penalty, 1.3);
  const CompletionRequest c = parse_completion_request(R"({"prompt": "a", "top_k": 0})");
  EXPECT_EQ(c.sampling.top_k, 0);
  for (const auto& [name, value] : {std::pair{"top_k", "-1"}, {"top_k", "1.5"}, {"min_p", "2"},
                                    {"repeat_penalty", "0"}, {"repeat_penalty", "\"x\""}}) {
    try {
      parse_chat_request("{" + messages + ", \"" + name + "\": " + value + "}");
      ADD_FAILURE() << name << " = " << value << " was accepted";
    } catch (const ApiError& e) {
      EXPECT_EQ(e.param(), name);
    }
  }
}

TEST(ChatRequest, EveryFieldIsListedOnceWithItsTreatment) {
  std::set<std::pair<std::string_view, unsigned>> seen;
  for (const OpenAiField& f : openai_fields()) {
    EXPECT_FALSE(f.note.empty()) << f.name;
    EXPECT_TRUE(f.neutral.empty() || f.treatment == FieldTreatment::kRefused) << f.name;
    for (unsigned e : {1u, 2u}) {
      if (static_cast<unsigned>(f.endpoints) & e) {
        EXPECT_TRUE(seen.insert({f.name, e}).second) << f.name;
      }
    }
  }
  for (const char* name : {"tools", "tool_choice", "logprobs", "top_logprobs", "response_format",
                           "echo", "best_of", "suffix", "logit_bias", "functions", "function_call"})
    EXPECT_TRUE(seen.contains({name, 1u}) || seen.contains({name, 2u})) << name;
}

TEST(ApiError, BodyIsOpenAiShaped) {
  const ApiError e = invalid_request("'n' must be ...", "n");
  const Json body = Json::parse(e.to_json());
  EXPECT_EQ(body["error"]["message"], "'n' must be ...");
  EXPECT_EQ(body["error"]["type"], "invalid_request_error");
  EXPECT_EQ(body["error"]["param"], "n");
  EXPECT_TRUE(body["error"]["code"].is_null());
  const HttpResponse r = overloaded("full").to_response();
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(Json::parse(r.body)["error"]["code"], "server_overloaded");
  EXPECT_EQ(authentication_error("bad key").status(), 401);
  EXPECT_EQ(not_found("no model 'x'", "model", "model_not_found").status(), 404);
  EXPECT_EQ(method_not_allowed("PUT", "/v1/models").status(), 405);
  EXPECT_EQ(from_parse_error({413, "too big"}).status(), 413);
  // Request bytes quoted in a message need not be UTF-8: the body is still valid JSON.
  EXPECT_TRUE(Json::accept(invalid_request("bad \xff byte").to_json()));
}

}  // namespace
}  // namespace r1::server
