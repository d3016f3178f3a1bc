// One byte and step budget per render: templates that build huge strings or lists (doubling
// with ~ or +, join, replace, *) or loop without end fail fast with one clear error naming
// the position, instead of eating memory and time; real templates stay far inside it.
#include <gtest/gtest.h>

#include <time.h>

#include <filesystem>
#include <string>

#include "chat/chat_template.h"
#include "chat/jinja_template.h"
#include "core/error.h"
#include "io_test_util.h"

namespace r1 {
namespace {

using jinja::Template;

// "Fast" in an optimized build; Debug and sanitizer builds (build-san, -O0) interpret ten to
// thirty times slower (the 20 M-step case took 10.5 CPU s under ASan in CI). Without the budget
// these templates run 7 to 16 s (optimized) and end in the OOM killer.
#ifdef NDEBUG
constexpr double kFastSeconds = 1.0;
#else
constexpr double kFastSeconds = 30.0;
#endif

// CPU seconds of this thread: unlike wall time, not stretched by other processes on a busy
// machine (tests run in parallel).
double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

// Renders `source`; it must fail with the budget's error (at a template line) in well under a
// second of CPU (optimized build), with 64 MiB built at most.
void expect_budget_error(const std::string& source, const std::string& needle) {
  SCOPED_TRACE(source);
  jinja::RenderLimits limits;
  limits.max_bytes = size_t(64) << 20;
  const double start = thread_cpu_seconds();
  testing::expect_error<jinja::RenderError>(
      [&] { Template::parse(source, "t").render_prompt({}, limits); }, {"t: line 1", needle});
  EXPECT_LT(thread_cpu_seconds() - start, kFastSeconds);
}

const char* kBytes = "exceeded its budget of 67108864 bytes";

TEST(JinjaBudget, BlowupsFailFastWithOneClearError) {
  expect_budget_error(
      "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}"
      "{% endfor %}",
      kBytes);
  expect_budget_error(
      "{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}"
      "{% endfor %}",
      kBytes);
  expect_budget_error("{{ (['x' * 100000] * 10000)|join }}", kBytes);
  expect_budget_error("{{ ['x' * 100000] * 1000 }}", kBytes);
  expect_budget_error("{{ ('x' * 1000000).replace('x', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx') }}",
                      kBytes);
  expect_budget_error("{{ ('x' * 1000000)|replace('', 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy') }}",
                      kBytes);
  expect_budget_error("{{ 'ab' * 1000000000 }}", kBytes);
  expect_budget_error("{{ 'ab' * 9223372036854775807 }}", kBytes);
  expect_budget_error("{{ [1, 2] * 9223372036854775807 }}", kBytes);
  // Printing or comparing a list that holds one sublist twice, 60 levels deep.
  const std::string doubled =
      "{% set ns = namespace(x=[1]) %}{% for i in range(60) %}{% set ns.x = [ns.x, ns.x] %}"
      "{% endfor %}";
  expect_budget_error(doubled + "{{ ns.x|length }}{{ ns.x == ns.x }}", "steps");
  // Re-reading one big string in a loop copies it each time.
  expect_budget_error(
      "{% set s = 'x' * 10000000 %}{% for i in range(100) %}{% if s %}{% endif %}{% endfor %}",
      kBytes);
}

TEST(JinjaBudget, LoopsThatBuildNothingHitTheStepLimit) {
  jinja::RenderLimits limits;
  limits.max_steps = 100'000;
  const double start = thread_cpu_seconds();
  testing::expect_error<jinja::RenderError>(
      [&] {
        Template::parse(
            "{% for a in range(100000) %}{% for b in range(100000) %}{{ '' }}{% endfor %}"
            "{% endfor %}",
            "t")
            .render_prompt({}, limits);
      },
      {"t: line 1", "exceeded 100000 steps"});
  EXPECT_LT(thread_cpu_seconds() - start, kFastSeconds);
}

TEST(JinjaBudget, RealTemplatesRenderLongConversationsWithinTheDefaults) {
  const ChatTemplate r1 =
      ChatTemplate::load(std::string(R1_SOURCE_DIR) + "/tests/chat_template/templates/deepseek_r1");
  OrderedJson messages = OrderedJson::array();
  const std::string text(2000, 'w');  // 500 turns: a ~2 MB prompt
  for (int i = 0; i < 500; ++i) {
    messages.push_back({{"role", "user"}, {"content", text}});
    messages.push_back({{"role", "assistant"}, {"content", "<think>" + text + "</think>" + text}});
  }
  EXPECT_GT(r1.render(messages).size(), size_t(2'000'000));
  // The same conversation over a small budget fails with the budget's error.
  ChatTemplate small = r1;
  jinja::RenderLimits limits;
  limits.max_bytes = size_t(1) << 20;
  small.set_render_limits(limits);
  testing::expect_error<jinja::RenderError>([&] { small.render(messages); },
                                            {"exceeded its budget of 1048576 bytes"});
}

}  // namespace
}  // namespace r1
