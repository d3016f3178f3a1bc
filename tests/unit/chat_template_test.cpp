// Chat templates of the real model families (tests/chat_template/templates) rendered byte for
// byte as Jinja2 renders them for transformers (chat_template_vectors fixture); family and
// forced-<think> detection; bad tokenizer_config files and requests; the `r1 template` CLI.
#include "chat/chat_template.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/error.h"
#include "io_test_util.h"
#include "test_util.h"

namespace r1 {
namespace {

const std::string kTemplates = std::string(R1_SOURCE_DIR) + "/tests/chat_template/templates";

std::string template_dir(const std::string& name) {
  return kTemplates + "/" + name;
}

std::vector<OrderedJson> read_vectors() {
  const std::string path = std::string(R1_CHAT_VECTORS_DIR) + "/expected.jsonl";
  std::ifstream in(path);
  std::vector<OrderedJson> lines;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) lines.push_back(parse_ordered_json(path, line));
  return lines;
}

TEST(ChatTemplateConformance, EqualsJinja2RenderingsForEveryFamily) {
  const std::vector<OrderedJson> vectors = read_vectors();
  if (vectors.empty())
    FAIL() << "no vectors in " << R1_CHAT_VECTORS_DIR << " (run chat_template_vectors)";
  std::map<std::string, ChatTemplate> templates;
  std::map<std::string, std::pair<int, int>> per_template;  // renderings, mismatches
  int mismatches = 0;
  for (const OrderedJson& v : vectors) {
    const std::string name = v["template"].get<std::string>();
    if (!templates.count(name)) templates.emplace(name, ChatTemplate::load(template_dir(name)));
    const std::string what = name + " / " + v["case"].get<std::string>() +
                             (v["add_generation_prompt"].get<bool>() ? " (+gen)" : "");
    std::string got, error;
    try {
      got = templates.at(name).render(v["messages"], v["tools"],
                                      v["add_generation_prompt"].get<bool>(), v["kwargs"]);
    } catch (const Error& e) {
      error = e.what();
    }
    bool ok;
    if (v["error"].is_null()) {
      ok = error.empty() && got == v["expected"].get<std::string>();
    } else {  // Jinja raised: we must raise too, with the template's own message if it has one
      const bool raised = v["error"]["type"] == "raise_exception";
      ok = !error.empty() &&
           (!raised || error.find(v["error"]["message"].get<std::string>()) != std::string::npos);
    }
    ++per_template[name].first;
    if (ok) continue;
    ++per_template[name].second;
    if (++mismatches <= 8)
      ADD_FAILURE() << what << "\n  want "
                    << (v["error"].is_null() ? v["expected"].dump() : "error " + v["error"].dump())
                    << "\n  got  " << (error.empty() ? OrderedJson(got).dump() : "error " + error);
  }
  for (const auto& [name, counts] : per_template)
    std::printf("[ chat ] %-18s %3d renderings, %d mismatches\n", name.c_str(), counts.first,
                counts.second);
  EXPECT_GE(per_template.size(), 8u);
  EXPECT_EQ(mismatches, 0);
}

TEST(ChatTemplate, FamilyForcedThinkAndSpecialTokens) {
  struct Want {
    const char* dir;
    ChatFamily family;
    bool forces_think;
    const char* bos;
  };
  const Want wants[] = {
      {"deepseek_r1", ChatFamily::DeepSeekR1, true, "<｜begin▁of▁sentence｜>"},
      {"deepseek_r1_2501", ChatFamily::DeepSeekR1, false, "<｜begin▁of▁sentence｜>"},
      {"deepseek_r1_0528", ChatFamily::DeepSeekR1_0528, false, "<｜begin▁of▁sentence｜>"},
      {"r1_distill_qwen", ChatFamily::R1DistillQwen, true, "<｜begin▁of▁sentence｜>"},
      {"r1_distill_llama", ChatFamily::R1DistillLlama, true, "<｜begin▁of▁sentence｜>"},
      {"deepseek_v3", ChatFamily::DeepSeekV3, false, "<｜begin▁of▁sentence｜>"},
      {"deepseek_v3_1", ChatFamily::DeepSeekV3_1, false, "<｜begin▁of▁sentence｜>"},
      {"qwen3", ChatFamily::Qwen, false, ""},
      {"llama3_1", ChatFamily::Llama3, false, "<|begin_of_text|>"},
      {"mistral_instruct", ChatFamily::Other, false, "<s>"},
  };
  for (const Want& w : wants) {
    const ChatTemplate t = ChatTemplate::load(template_dir(w.dir));
    EXPECT_EQ(t.family(), w.family) << w.dir << ": " << chat_family_name(t.family());
    EXPECT_EQ(t.forces_think(), w.forces_think) << w.dir;
    EXPECT_EQ(t.bos_token(), w.bos) << w.dir;
  }
  // Without config.json the distilled base model is unknown; the file path works as well.
  EXPECT_EQ(ChatTemplate::load(template_dir("r1_distill_qwen") + "/tokenizer_config.json").family(),
            ChatFamily::R1DistillQwen);
  testing::TempDir tmp;
  std::filesystem::copy_file(template_dir("r1_distill_qwen") + "/tokenizer_config.json",
                             tmp.file("tokenizer_config.json"));
  EXPECT_EQ(ChatTemplate::load(tmp.path()).family(), ChatFamily::R1Distill);
  EXPECT_EQ(ChatTemplate::load(tmp.path()).eos_token(), "<｜end▁of▁sentence｜>");
}

const OrderedJson kHello = OrderedJson::array({{{"role", "user"}, {"content", "Hello"}}});

TEST(ChatTemplate, TemplateFromChatTemplateJinjaAndNamedTemplates) {
  testing::TempDir tmp;
  testing::write_bytes(tmp.file("tokenizer_config.json"), R"({"bos_token": "<s>"})");
  testing::expect_error<FormatError>([&] { ChatTemplate::load(tmp.path()).render(kHello); },
                                     {"tokenizer_config.json", "no chat template"});
  testing::write_bytes(tmp.file("chat_template.jinja"),
                       "{{ bos_token }}{% for m in messages %}[{{ m.content }}]{% endfor %}\n");
  EXPECT_EQ(ChatTemplate::load(tmp.path()).render(kHello), "<s>[Hello]");

  const OrderedJson named = parse_ordered_json("cfg", R"({"chat_template": [
      {"name": "default", "template": "plain"},
      {"name": "tool_use", "template": "tools:{{ tools | length }}"}]})");
  const ChatTemplate t = ChatTemplate::from_config(named, "cfg");
  EXPECT_EQ(t.render(kHello), "plain");
  EXPECT_EQ(t.render(kHello, OrderedJson::array({{{"type", "function"}}})), "tools:1");
}

TEST(ChatTemplate, BadTokenizerConfigsGiveClearErrors) {
  testing::TempDir tmp;
  testing::expect_error<IoError>([&] { ChatTemplate::load(tmp.path()); },
                                 {"tokenizer_config.json"});
  const std::string cfg = tmp.file("tokenizer_config.json");
  auto load_with = [&](const std::string& text) {
    testing::write_bytes(cfg, text);
    return ChatTemplate::load(tmp.path());
  };
  testing::expect_error<FormatError>([&] { load_with("{\"chat_template\": "); },
                                     {"tokenizer_config.json", "invalid JSON"});
  testing::expect_error<FormatError>([&] { load_with("[1]"); }, {"expected a JSON object"});
  testing::expect_error<FormatError>([&] { load_with(R"({"chat_template": 7})"); },
                                     {"chat_template must be a string"});
  testing::expect_error<FormatError>(
      [&] { load_with(R"({"bos_token": 7, "chat_template": "x"})"); },
      {"bos_token must be a string"});
  testing::expect_error<FormatError>(
      [&] { load_with(R"({"chat_template": "ok\n{% for m in messages %}{{ m.content "})"); },
      {"tokenizer_config.json: chat_template: line 2 col", "'}}'"});
  testing::expect_error<FormatError>(
      [&] { load_with(R"({"chat_template": "{% macro f() %}{% endmacro %}"})"); },
      {"tokenizer_config.json: chat_template: line 1 col 1", "unsupported tag 'macro'"});
  testing::expect_error<FormatError>([&] { load_with(R"({"chat_template": [{"name": 1}]})"); },
                                     {"chat_template[0]"});
  testing::expect_error<FormatError>(
      [&] { load_with("{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}"); },
      {"nested deeper"});
}

TEST(ChatTemplate, BadRequestsAndRejectedConversations) {
  const ChatTemplate r1 = ChatTemplate::load(template_dir("deepseek_r1"));
  testing::expect_error<FormatError>([&] { r1.render(OrderedJson::object()); },
                                     {"messages must be a list"});
  testing::expect_error<FormatError>([&] { r1.render(OrderedJson::array({1})); }, {"messages[0]"});
  testing::expect_error<FormatError>([&] { r1.render(kHello, OrderedJson::object()); },
                                     {"tools must be a list"});
  testing::expect_error<FormatError>(
      [&] {
        r1.render(kHello, nullptr, true, OrderedJson{{"messages", 1}});
      },
      {"reserved"});
  const OrderedJson no_content = OrderedJson::array({{{"role", "user"}}});
  testing::expect_error<jinja::RenderError>(
      [&] { r1.render(no_content); }, {"chat_template: line 1", "has no attribute 'content'"});
  const ChatTemplate mistral = ChatTemplate::load(template_dir("mistral_instruct"));
  const OrderedJson two_users = OrderedJson::array(
      {{{"role", "user"}, {"content", "a"}}, {{"role", "user"}, {"content", "b"}}});
  testing::expect_error<jinja::RenderError>(
      [&] { mistral.render(two_users); },
      {"Conversation roles must alternate user/assistant/user/assistant/..."});
  // Template variables beyond messages/tools (Qwen3's enable_thinking).
  const ChatTemplate qwen = ChatTemplate::load(template_dir("qwen3"));
  EXPECT_EQ(qwen.render(kHello, nullptr, true, OrderedJson{{"enable_thinking", false}}),
            "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
}

TEST(ChatTemplateCli, PrintsThePromptExactly) {
  const std::string dir = test::make_temp_dir("template_cli");
  const std::string req = dir + "/req.json";
  testing::write_bytes(req, R"({"messages": [{"role": "system", "content": "Be brief."},
      {"role": "user", "content": "1+1?"}, {"role": "assistant", "content": "<think>easy</think>2"},
      {"role": "user", "content": "2+2?"}], "model": "ignored"})");
  const std::string model = template_dir("deepseek_r1");
  test::RunResult r = test::run_r1("template --model " + model + " < " + req);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out,
            "<｜begin▁of▁sentence｜>Be brief.<｜User｜>1+1?<｜Assistant｜>2<｜end▁of▁sentence｜>"
            "<｜User｜>2+2?<｜Assistant｜><think>\n");
  r = test::run_r1("template --no-generation-prompt --model " + model + " < " + req);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  const std::string tail = "<｜User｜>2+2?";
  EXPECT_EQ(r.out.substr(r.out.size() - std::min(r.out.size(), tail.size())), tail);

  testing::write_bytes(req, R"({"chat_template_kwargs": {"enable_thinking": false},
      "messages": [{"role": "user", "content": "hi"}]})");
  r = test::run_r1("template --model " + template_dir("qwen3") + " < " + req);
  EXPECT_EQ(r.out,
            "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
}

TEST(ChatTemplateCli, BadInputFailsWithOneLine) {
  const std::string dir = test::make_temp_dir("template_cli_bad");
  const std::string req = dir + "/req.json";
  const std::string model = template_dir("deepseek_r1");
  auto expect_fail = [&](const std::string& body, const std::string& args,
                         const std::string& needle) {
    testing::write_bytes(req, body);
    const test::RunResult r = test::run_r1("template " + args + " < " + req);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find(needle), std::string::npos) << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  };
  expect_fail("{\"messages\": [", "--model " + model, "stdin: invalid JSON");
  expect_fail("[]", "--model " + model, "\"messages\"");
  expect_fail(R"({"messages": [{"role": "user", "content": null}]})", "--model " + model,
              "chat_template: line 1");
  expect_fail(R"({"messages": []})", "--model " + dir, "tokenizer_config.json");
  const test::RunResult usage = test::run_r1("template");
  EXPECT_EQ(usage.exit_code, 2) << usage.out;
}

}  // namespace
}  // namespace r1
