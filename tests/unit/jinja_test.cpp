// The Jinja subset against Jinja2 itself (tests/chat_template/jinja_cases.py, rendered by the
// chat_template_vectors fixture), plus limits and errors on hostile or unsupported templates.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "chat/chat_template.h"
#include "chat/jinja_template.h"
#include "core/error.h"
#include "io_test_util.h"

namespace r1 {
namespace {

using jinja::Template;
using jinja::Value;

std::vector<OrderedJson> read_jsonl(const std::string& path) {
  std::ifstream in(path);
  std::vector<OrderedJson> lines;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) lines.push_back(parse_ordered_json(path, line));
  return lines;
}

jinja::Dict to_dict(const OrderedJson& context) {
  return Value::from_json(context).as_dict();
}

std::string render(const std::string& source, const jinja::Dict& vars = {}) {
  return Template::parse(source, "test").render(vars);
}

TEST(JinjaConformance, MatchesJinja2OnSubsetCases) {
  const std::string path = std::string(R1_CHAT_VECTORS_DIR) + "/jinja_cases.jsonl";
  if (!std::filesystem::exists(path)) FAIL() << path << " not found (run chat_template_vectors)";
  int cases = 0, errors_expected = 0, mismatches = 0;
  for (const OrderedJson& c : read_jsonl(path)) {
    ++cases;
    const std::string name = c["name"].get<std::string>();
    std::string got, error;
    try {
      got = Template::parse(c["template"].get<std::string>(), name).render(to_dict(c["context"]));
    } catch (const Error& e) {
      error = e.what();
    }
    if (!c["error"].is_null()) {
      ++errors_expected;
      const OrderedJson& want = c["error"];
      const bool raised = want["type"] == "raise_exception";
      if (error.empty() ||
          (raised && error.find(want["message"].get<std::string>()) == std::string::npos)) {
        ++mismatches;
        ADD_FAILURE() << name << ": Jinja raised " << want.dump() << "; we "
                      << (error.empty() ? "rendered " + OrderedJson(got).dump()
                                        : "raised " + error);
      }
      continue;
    }
    if (!error.empty() || got != c["expected"].get<std::string>()) {
      ++mismatches;
      ADD_FAILURE() << name << ": template " << c["template"].dump() << "\n  want "
                    << c["expected"].dump() << "\n  got  "
                    << (error.empty() ? OrderedJson(got).dump() : "error: " + error);
    }
  }
  std::printf("[ jinja ] %d cases (%d expected errors), %d mismatches\n", cases, errors_expected,
              mismatches);
  EXPECT_GT(cases, 50);
  EXPECT_EQ(mismatches, 0);
}

TEST(Jinja, UnsupportedConstructsNameTheTagAndPosition) {
  testing::expect_error<FormatError>([] { render("ab\n  {% macro f() %}x{% endmacro %}"); },
                                     {"test", "line 2 col 3", "unsupported tag 'macro'"});
  testing::expect_error<FormatError>([] { render("{{ x | frobnicate }}"); },
                                     {"line 1 col 6", "unsupported filter 'frobnicate'"});
  testing::expect_error<FormatError>([] { render("{% if x is frob %}{% endif %}"); },
                                     {"unsupported test 'frob'"});
  testing::expect_error<FormatError>([] { render("{% include 'x' %}"); }, {"'include'"});
  testing::expect_error<FormatError>([] { render("{% if a %}"); }, {"expected {% elif %}"});
  testing::expect_error<FormatError>([] { render("{{ 'abc }}"); }, {"not closed"});
  testing::expect_error<FormatError>([] { render("{# open"); }, {"comment"});
  testing::expect_error<FormatError>([] { render("{{ a ) }}"); }, {"unexpected ')'"});
  testing::expect_error<FormatError>([] { render("{% break %}"); }, {"outside a for loop"});
  testing::expect_error<FormatError>([] { render("{{ 99999999999999999999 }}"); }, {"too large"});
}

TEST(Jinja, RuntimeErrorsArePositionedRenderErrors) {
  testing::expect_error<jinja::RenderError>([] { render("x\n{{ 'a' + none }}"); },
                                            {"test: line 2 col 8", "str"});
  testing::expect_error<jinja::RenderError>(
      [] {
        render("{{ m.content.strip() }}", {{"m", Value::dict({})}});
      },
      {"'dict object' has no attribute 'content'"});
  testing::expect_error<jinja::RenderError>(
      [] { render("{{ raise_exception('Only user and assistant roles') }}"); },
      {"line 1 col 4", "Only user and assistant roles"});
  testing::expect_error<jinja::RenderError>([] { render("{% set x = 1 %}{% set x.a = 2 %}"); },
                                            {"non-namespace"});
  testing::expect_error<jinja::RenderError>([] { render("{% for a, b in [[1]] %}{% endfor %}"); },
                                            {"not enough values to unpack"});
}

// Hostile templates stay bounded: deep nesting, huge loops and strings fail cleanly.
TEST(Jinja, HostileTemplatesFailCleanly) {
  testing::expect_error<FormatError>(
      [] { render("{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}"); },
      {"nested too deeply"});
  testing::expect_error<FormatError>([] { render("{{ " + std::string(5000, '-') + "1 }}"); },
                                     {"nested too deeply"});
  std::string deep_ifs;
  for (int i = 0; i < 1000; ++i) deep_ifs += "{% if 1 %}";
  testing::expect_error<FormatError>([&] { render(deep_ifs); }, {"nested too deeply"});
  testing::expect_error<jinja::RenderError>([] { render("{{ range(1000000) }}"); },
                                            {"Range too big"});
  // The step limit (2M by default; a small one here keeps the test fast under ASan).
  const Template nested = Template::parse(
      "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}", "t");
  testing::expect_error<jinja::RenderError>([&] { nested.render({}, 10000); },
                                            {"exceeded 10000 steps"});
  testing::expect_error<jinja::RenderError>([] { render("{{ 'ab' * 1000000000 }}"); },
                                            {"exceeded its budget"});
  testing::expect_error<jinja::RenderError>([] { render("{{ 2 ** 70 }}"); }, {"integer overflow"});
  // Chains deepen the tree without recursion in the parser; runtime values cannot nest
  // without bound either (printing and freeing them recurse).
  std::string attrs = "{{ x", sums = "{{ 1", filters = "{{ x";
  for (int i = 0; i < 5000; ++i) attrs += ".a", sums += " + 1", filters += " | string";
  for (const std::string& src : {attrs, sums, filters})
    testing::expect_error<FormatError>([&] { render(src + " }}"); }, {"nested too deeply"});
  testing::expect_error<jinja::RenderError>(
      [] {
        render(
            "{% set ns = namespace(l=[]) %}{% for i in range(1000) %}{% set ns.l = [ns.l] %}"
            "{% endfor %}");
      },
      {"nested deeper than 256"});
  // A namespace stored in itself is a reference cycle; the render frees it (LeakSanitizer).
  EXPECT_EQ(render("{% set ns = namespace() %}{% set ns.me = ns %}{% set ns.l = [ns] %}{{ ns }}"),
            "<Namespace {'me': <Namespace>, 'l': [<Namespace>]}>");
  testing::expect_error<jinja::RenderError>([] { render("{{ 1 // 0 }}"); }, {"by zero"});
}

// Random byte edits of the real templates: every result renders or throws r1::Error.
TEST(Jinja, MutatedRealTemplatesNeverCrash) {
  const std::string dir = std::string(R1_SOURCE_DIR) + "/tests/chat_template/templates";
  const OrderedJson messages = parse_ordered_json(
      "messages", R"([{"role":"system","content":"s"},{"role":"user","content":"u"},
                      {"role":"assistant","content":"<think>r</think>a"},{"role":"user","content":"v"}])");
  std::mt19937 rng(1234);
  const std::string alphabet = "{}%#-+()[]'\".|,:=~ \n\\abcdefgnotisinfor0123456789";
  int rendered = 0, rejected = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const OrderedJson config = parse_ordered_json(
        "cfg", testing::read_bytes(entry.path().string() + "/tokenizer_config.json"));
    const std::string original = config["chat_template"].get<std::string>();
    for (int round = 0; round < 300; ++round) {
      std::string src = original;
      for (int edits = 1 + int(rng() % 4); edits > 0; --edits) {
        const size_t at = rng() % (src.size() + 1);
        switch (rng() % 3) {
          case 0:
            src.insert(at, 1, alphabet[rng() % alphabet.size()]);
            break;
          case 1:
            if (at < src.size()) src.erase(at, 1 + rng() % 8);
            break;
          default:
            if (at < src.size()) src[at] = alphabet[rng() % alphabet.size()];
        }
      }
      OrderedJson mutated = config;
      mutated["chat_template"] = src;
      try {
        ChatTemplate::from_config(mutated, "mutated").render(messages);
        ++rendered;
      } catch (const Error&) {
        ++rejected;
      }
    }
  }
  std::printf("[ jinja ] mutated templates: %d rendered, %d rejected with r1::Error\n", rendered,
              rejected);
  EXPECT_GT(rendered, 0);
  EXPECT_GT(rejected, 0);
}

// transformers' strftime_now global (Llama-3.2 style templates print today's date).
TEST(Jinja, StrftimeNowFormatsTheLocalTime) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char year[16];
  std::strftime(year, sizeof year, "%Y", &tm);
  EXPECT_EQ(render("{{ strftime_now('%Y') }}"), year);
}

TEST(Jinja, PythonFloatAndStringFormatting) {
  EXPECT_EQ(jinja::float_repr(0.1), "0.1");
  EXPECT_EQ(jinja::float_repr(1e16), "1e+16");
  EXPECT_EQ(jinja::float_repr(1234567890123456.0), "1234567890123456.0");
  EXPECT_EQ(jinja::float_repr(-0.00001), "-1e-05");
  EXPECT_EQ(jinja::float_repr(0.0001), "0.0001");
  EXPECT_EQ(jinja::float_repr(-0.0), "-0.0");
  EXPECT_EQ(render("{{ ['\\u00a0', 'é\\x7f'] }}"), "['\\xa0', 'é\\x7f']");
}

}  // namespace
}  // namespace r1
