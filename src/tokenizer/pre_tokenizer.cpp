// The pre-tokenizer steps and their parsing from tokenizer.json.
#include "tokenizer/pre_tokenizer.h"

#include <utility>

#include "core/error.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/regex.h"

namespace r1::tok {

const char* const kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

bool PreTokenizer::for_each_range(std::string_view, Range, RangeSink) const {
  R1_ASSERT_MSG(false, "for_each_range() called on a pre-tokenizer whose range_mode() is kNone");
  return false;
}

namespace {

using Ranges = std::vector<Range>;

// for_each_range() of a step that isolates matches: for_each_match(piece, on_match) reports the
// matches inside range r; they and the gaps between them go to sink, in order.
template <typename ForEachMatch>
bool isolate_each(std::string_view text, Range r, RangeSink sink, ForEachMatch for_each_match) {
  size_t pos = 0;  // in the piece: what is before pos has gone to sink
  auto on_match = [&](size_t b, size_t e) {
    if (b > pos && !sink({r.first + pos, r.first + b})) return false;
    pos = e;
    return sink({r.first + b, r.first + e});
  };
  if (!for_each_match(text.substr(r.first, r.second - r.first), on_match)) return false;
  return r.first + pos >= r.second || sink({r.first + pos, r.second});
}

// Isolated splitting: the matches and the gaps between them, in order, empty ones dropped.
void isolate(const std::string& piece, const Ranges& matches, std::vector<std::string>& out) {
  size_t pos = 0;
  for (const auto& [b, e] : matches) {
    if (b > pos) out.emplace_back(piece, pos, b - pos);
    out.emplace_back(piece, b, e - b);
    pos = e;
  }
  if (pos < piece.size()) out.emplace_back(piece, pos, piece.size() - pos);
}

class RegexSplit : public PreTokenizer {
 public:
  RegexSplit(const std::string& pattern, const std::string& source, const std::string& what)
      : re_(pattern, source, what) {}
  void apply(std::vector<std::string>& pieces) const override {
    std::vector<std::string> out;
    out.reserve(pieces.size() * 2);
    Ranges m;
    for (const std::string& p : pieces) {
      m.clear();
      re_.find_all(p, m);
      isolate(p, m, out);
    }
    pieces = std::move(out);
  }
  RangeMode range_mode() const override { return RangeMode::kPlain; }
  bool for_each_range(std::string_view text, Range r, RangeSink sink) const override {
    return isolate_each(text, r, sink, [&](std::string_view piece, auto& on_match) {
      return re_.for_each_match(piece, on_match);
    });
  }

 private:
  Regex re_;
};

class LiteralSplit : public PreTokenizer {
 public:
  explicit LiteralSplit(std::string lit) : lit_(std::move(lit)) {}
  void apply(std::vector<std::string>& pieces) const override {
    if (lit_.empty()) return;
    std::vector<std::string> out;
    Ranges m;
    for (const std::string& p : pieces) {
      m.clear();
      for (size_t at = p.find(lit_); at != std::string::npos; at = p.find(lit_, at + lit_.size()))
        m.emplace_back(at, at + lit_.size());
      isolate(p, m, out);
    }
    pieces = std::move(out);
  }
  RangeMode range_mode() const override { return RangeMode::kPlain; }
  bool for_each_range(std::string_view text, Range r, RangeSink sink) const override {
    if (lit_.empty()) return r.first >= r.second || sink(r);
    return isolate_each(text, r, sink, [&](std::string_view piece, auto& on_match) {
      for (size_t at = piece.find(lit_); at != std::string_view::npos;
           at = piece.find(lit_, at + lit_.size()))
        if (!on_match(at, at + lit_.size())) return false;
      return true;
    });
  }

 private:
  std::string lit_;
};

class ByteLevel : public PreTokenizer {
 public:
  ByteLevel(bool add_prefix_space, bool use_regex, const std::string& source)
      : add_prefix_space_(add_prefix_space) {
    if (use_regex) re_ = std::make_unique<RegexSplit>(kGpt2Pattern, source, "ByteLevel regex");
  }
  void apply(std::vector<std::string>& pieces) const override {
    if (add_prefix_space_)
      for (std::string& p : pieces)
        if (p.empty() || p[0] != ' ') p.insert(p.begin(), ' ');
    if (re_) re_->apply(pieces);
    for (std::string& p : pieces) p = to_byte_level(p);
  }
  // Prepending a space rewrites the text, so only add_prefix_space false works on ranges.
  RangeMode range_mode() const override {
    return add_prefix_space_ ? RangeMode::kNone : RangeMode::kByteLevel;
  }
  bool for_each_range(std::string_view text, Range r, RangeSink sink) const override {
    if (re_) return re_->for_each_range(text, r, sink);
    return r.first >= r.second || sink(r);
  }

 private:
  bool add_prefix_space_;
  std::unique_ptr<RegexSplit> re_;
};

class Sequence : public PreTokenizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PreTokenizer>> steps) : steps_(std::move(steps)) {}
  void apply(std::vector<std::string>& pieces) const override {
    for (const auto& s : steps_) s->apply(pieces);
  }
  // A step after a byte-level mapping would see mapped text, which ranges of the raw text are not.
  RangeMode range_mode() const override {
    RangeMode mode = RangeMode::kPlain;
    for (const auto& s : steps_) {
      const RangeMode m = s->range_mode();
      if (m == RangeMode::kNone || mode == RangeMode::kByteLevel) return RangeMode::kNone;
      mode = m;
    }
    return mode;
  }
  bool for_each_range(std::string_view text, Range r, RangeSink sink) const override {
    return split_from(0, text, r, sink);
  }

 private:
  // The pieces of step `step` go on through the later steps, one at a time.
  bool split_from(size_t step, std::string_view text, Range r, RangeSink sink) const {
    if (step == steps_.size()) return r.first >= r.second || sink(r);
    auto next = [&](Range sub) { return split_from(step + 1, text, sub, sink); };
    return steps_[step]->for_each_range(text, r, next);
  }

  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

bool get_bool(const Json& j, const char* key, bool def, const std::string& where) {
  if (!j.contains(key) || j[key].is_null()) return def;
  if (!j[key].is_boolean()) throw FormatError(where + ": \"" + key + "\" must be a boolean");
  return j[key].get<bool>();
}

std::unique_ptr<PreTokenizer> parse_split(const Json& j, const std::string& source) {
  const std::string where = source + ": pre_tokenizer Split";
  const std::string behavior =
      j.contains("behavior") && j["behavior"].is_string() ? j["behavior"].get<std::string>() : "";
  if (behavior != "Isolated")
    throw FormatError(where + ": behavior '" + behavior + "' is not supported (only Isolated)");
  if (get_bool(j, "invert", false, where))
    throw FormatError(where + ": invert true is not supported");
  if (!j.contains("pattern") || !j["pattern"].is_object())
    throw FormatError(where + ": missing \"pattern\" object");
  const Json& pat = j["pattern"];
  if (pat.contains("Regex") && pat["Regex"].is_string())
    return std::make_unique<RegexSplit>(pat["Regex"].get<std::string>(), source,
                                        "pre_tokenizer Split");
  if (pat.contains("String") && pat["String"].is_string())
    return std::make_unique<LiteralSplit>(pat["String"].get<std::string>());
  throw FormatError(where + ": pattern must be {\"Regex\": string} or {\"String\": string}");
}

}  // namespace

std::unique_ptr<PreTokenizer> parse_pre_tokenizer(const Json& j, const std::string& source) {
  if (j.is_null()) return nullptr;
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
    throw FormatError(source + ": pre_tokenizer: expected an object with a \"type\"");
  const std::string type = j["type"].get<std::string>();
  const std::string where = source + ": pre_tokenizer " + type;
  if (type == "Sequence") {
    if (!j.contains("pretokenizers") || !j["pretokenizers"].is_array())
      throw FormatError(where + ": missing \"pretokenizers\" array");
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    for (const Json& sub : j["pretokenizers"])
      if (auto s = parse_pre_tokenizer(sub, source)) steps.push_back(std::move(s));
    return std::make_unique<Sequence>(std::move(steps));
  }
  if (type == "Split") return parse_split(j, source);
  if (type == "ByteLevel")
    return std::make_unique<ByteLevel>(get_bool(j, "add_prefix_space", true, where),
                                       get_bool(j, "use_regex", true, where), source);
  if (type == "Digits") {
    const bool individual = get_bool(j, "individual_digits", false, where);
    return std::make_unique<RegexSplit>(individual ? R"(\p{N})" : R"(\p{N}+)", source,
                                        "pre_tokenizer Digits");
  }
  throw FormatError(source + ": pre_tokenizer '" + type + "' is not supported");
}

}  // namespace r1::tok
