// PCRE2 compilation and match iteration for the pre-tokenizer patterns.
#define PCRE2_CODE_UNIT_WIDTH 8
#include "tokenizer/regex.h"

#include <pcre2.h>

#include <new>

#include "core/error.h"

namespace r1::tok {

namespace {

std::string pcre2_message(int code) {
  PCRE2_UCHAR buf[256];
  pcre2_get_error_message(code, buf, sizeof buf);
  return reinterpret_cast<const char*>(buf);
}

// One match context, JIT stack and match data per thread: a pattern like [\p{L}\p{M}]+ on a huge
// word must not hit the default 32 KiB JIT stack, and allocating match data per call costs more
// than the match of a short line. One ovector pair is enough: only the whole match is used (PCRE2
// then returns 0 for a pattern with groups, with the whole match still filled in).
struct ThreadMatchState {
  pcre2_match_context* ctx = nullptr;
  pcre2_jit_stack* stack = nullptr;
  pcre2_match_data* md = nullptr;
  ThreadMatchState() {
    ctx = pcre2_match_context_create(nullptr);
    stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
    md = pcre2_match_data_create(1, nullptr);
    if (ctx && stack) pcre2_jit_stack_assign(ctx, nullptr, stack);
    if (!ctx || !stack || !md) throw std::bad_alloc();
  }
  ~ThreadMatchState() {
    pcre2_match_data_free(md);
    pcre2_jit_stack_free(stack);
    pcre2_match_context_free(ctx);
  }
};

}  // namespace

Regex::Regex(const std::string& pattern, const std::string& source, const std::string& what,
             bool use_fast_path)
    : what_(source + ": " + what),
      fast_(use_fast_path ? recognize_fast_pattern(pattern) : FastPattern::kNone) {
  int err = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_UCP, &err, &offset, nullptr);
  if (!code)
    throw FormatError(what_ + ": invalid regex at offset " + std::to_string(offset) + ": " +
                      pcre2_message(err));
  jit_ = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;  // else the interpreter runs it
  code_ = code;
}

Regex::~Regex() {
  pcre2_code_free(static_cast<pcre2_code*>(code_));
}

void Regex::find_all(std::string_view text, std::vector<std::pair<size_t, size_t>>& out) const {
  for_each_match(text, [&](size_t b, size_t e) {
    out.emplace_back(b, e);
    return true;
  });
}

bool Regex::for_each_match(std::string_view text,
                           FunctionRef<bool(size_t, size_t)> on_match) const {
  thread_local ThreadMatchState state;
  auto* code = static_cast<pcre2_code*>(code_);
  pcre2_match_data* md = state.md;
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
  size_t pos = 0;
  while (pos <= text.size()) {
    if (fast_ != FastPattern::kNone) {
      if (pos == text.size()) break;  // the fast patterns never match empty text
      size_t b = 0, e = 0;
      const FastResult r = fast_find(fast_, text, pos, b, e);
      if (r == FastResult::kNoMatch) break;
      if (r == FastResult::kFound) {
        if (!on_match(b, e)) return false;
        pos = e;
        continue;
      }
    }
    // pcre2_jit_match skips the argument checks that pcre2_match repeats on every call.
    const int rc =
        jit_ ? pcre2_jit_match(code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, md, state.ctx)
             : pcre2_match(code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, md, state.ctx);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) throw Error(what_ + ": regex match failed: " + pcre2_message(rc));
    const size_t b = ov[0], e = ov[1];
    if (e > b) {
      if (!on_match(b, e)) return false;
      pos = e;
    } else {  // empty match: contributes no piece; step over one character
      if (b >= text.size()) break;
      pos = b + 1;
      while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
    }
  }
  return true;
}

}  // namespace r1::tok
