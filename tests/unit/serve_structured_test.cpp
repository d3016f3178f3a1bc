// response_format over HTTP on the tiny random R1 model: json_schema and json_object replies
// parse and validate (streamed and not, reasoning split off), /v1/completions takes it too, and
// malformed formats or unsupported schema keywords are 400s naming them.
#include <gtest/gtest.h>

#include "server/api_error.h"
#include "server/chat_request.h"
#include "serve_test_util.h"

namespace r1::test {
namespace {

const Json kSchema = Json::parse(R"({"type": "object", "properties": {
    "city": {"type": "string", "maxLength": 8}, "population": {"type": "integer"},
    "tags": {"type": "array", "items": {"enum": ["big", "old"]}, "maxItems": 2}},
    "required": ["city", "population"], "additionalProperties": false})");

Json chat_body(const Json& response_format, int64_t max_tokens, uint64_t seed) {
  return {{"model", "tiny-r1"},
          {"messages", Json::array({{{"role", "user"}, {"content", "A city as JSON"}}})},
          {"max_tokens", max_tokens},
          {"seed", seed},
          {"response_format", response_format}};
}

void expect_city(const std::string& content) {
  const Json doc = Json::parse(content);
  ASSERT_TRUE(doc.is_object()) << content;
  EXPECT_TRUE(doc["city"].is_string()) << content;
  EXPECT_TRUE(doc["population"].is_number_integer()) << content;
  for (const auto& [key, value] : doc.items())
    EXPECT_TRUE(key == "city" || key == "population" || key == "tags") << content;
}

TEST(ServeStructured, JsonSchemaRepliesValidateStreamedAndNot) {
  TestServer server;
  const Json format = {{"type", "json_schema"},
                       {"json_schema", {{"name", "city"}, {"schema", kSchema}, {"strict", true}}}};
  for (uint64_t seed : {1, 2, 3}) {
    const ClientResponse r = post_json(server.port(), "/v1/chat/completions", chat_body(format, 80, seed));
    ASSERT_EQ(r.status, 200) << r.body;
    const Json j = Json::parse(r.body);
    EXPECT_EQ(j["choices"][0]["finish_reason"], "stop") << r.body;
    EXPECT_TRUE(j["choices"][0]["message"]["reasoning_content"].is_string()) << r.body;
    expect_city(j["choices"][0]["message"]["content"].get<std::string>());
  }
  Json body = chat_body(format, 80, 4);
  body["stream"] = true;
  const ClientResponse r = post_json(server.port(), "/v1/chat/completions", body);
  ASSERT_EQ(r.status, 200) << r.body;
  std::string content;
  for (const Json& e : sse_events(r.body))
    for (const Json& c : e["choices"])
      if (c["delta"].contains("content")) content += c["delta"]["content"].get<std::string>();
  expect_city(content);
}

TEST(ServeStructured, JsonObjectOnBothEndpoints) {
  TestServer server;
  const Json format = {{"type", "json_object"}};
  const ClientResponse chat = post_json(server.port(), "/v1/chat/completions", chat_body(format, 60, 5));
  ASSERT_EQ(chat.status, 200) << chat.body;
  const Json reply = Json::parse(chat.body)["choices"][0]["message"]["content"];
  EXPECT_TRUE(Json::parse(reply.get<std::string>()).is_object()) << reply;
  const ClientResponse completion = post_json(
      server.port(), "/v1/completions",
      {{"prompt", "JSON:"}, {"max_tokens", 30}, {"seed", 6}, {"response_format", format}});
  ASSERT_EQ(completion.status, 200) << completion.body;
  const Json text = Json::parse(completion.body)["choices"][0]["text"];
  EXPECT_TRUE(Json::parse(text.get<std::string>()).is_object()) << text;
  // {"type": "text"} is plain sampling.
  EXPECT_EQ(post_json(server.port(), "/v1/chat/completions", chat_body({{"type", "text"}}, 4, 1))
                .status,
            200);
}

TEST(ServeStructured, UnsupportedKeywordsAndMalformedFormatsAre400) {
  const std::pair<Json, std::string> cases[] = {
      {{{"type", "json_schema"},
        {"json_schema",
         {{"name", "x"},
          {"schema", Json::parse(R"({"type": "object", "properties": {"email":
              {"type": "string", "format": "email"}}})")}}}},
       "'format' at #/properties/email"},
      {{{"type", "json_schema"},
        {"json_schema", {{"name", "x"}, {"schema", Json::parse(R"({"type": "string", "pattern": "a+"})")}}}},
       "'pattern'"},
      {{{"type", "json_schema"}}, "response_format.json_schema"},
      {{{"type", "xml"}}, "response_format.type"},
      {"json", "response_format"},
      {{{"type", "json_schema"}, {"json_schema", {{"name", 3}, {"schema", Json::object()}}}},
       "response_format.json_schema.name"},
  };
  for (const auto& [format, needle] : cases) {
    try {
      server::parse_chat_request(chat_body(format, 8, 1).dump());
      ADD_FAILURE() << format.dump() << " was accepted";
    } catch (const server::ApiError& e) {
      EXPECT_EQ(e.status(), 400);
      EXPECT_EQ(e.param(), "response_format") << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  }
  TestServer server;
  const ClientResponse r = post_json(server.port(), "/v1/chat/completions", chat_body(cases[0].first, 8, 1));
  ASSERT_EQ(r.status, 400) << r.body;
  const Json error = Json::parse(r.body)["error"];
  EXPECT_EQ(error["param"], "response_format");
  EXPECT_NE(error["message"].get<std::string>().find("format"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace r1::test
