// Building the tool-call grammar: the markers (a token's byte or their text), one alternative per
// function with its schema compiled into the same builder, and the block around the calls.
#include "infer/tool_call_grammar.h"

#include <iterator>

#include "infer/json_grammar_rules.h"

namespace r1 {

namespace {

using Seq = GrammarBuilder::Seq;
using namespace tool_tokens;

// The markers in the order of their bytes (kFirstMarkerByte + index).
constexpr std::string_view kMarkers[] = {kCallsBegin, kCallsEnd, kCallBegin, kCallEnd, kSep};
enum Marker { kCallsBeginAt, kCallsEndAt, kCallBeginAt, kCallEndAt, kSepAt };

class CallGrammar {
 public:
  explicit CallGrammar(const std::vector<MarkerToken>& markers) : markers_(markers), json_(b_) {}

  void add(Seq& seq, Marker m) {
    const uint8_t byte = uint8_t(kFirstMarkerByte + m);
    for (const MarkerToken& t : markers_)
      if (t.byte == byte) {
        ByteSet one;
        one.set(byte);
        seq.push_back(b_.bytes(one));
        return;
      }
    add(seq, kMarkers[m]);
  }
  void add(Seq& seq, std::string_view text) {
    const Seq bytes = b_.literal(text);
    seq.insert(seq.end(), bytes.begin(), bytes.end());
  }

  // One call of function f.
  Seq call(const ToolFunction& f, ToolCallFormat format) {
    static const OrderedJson kNoArguments = OrderedJson::parse(
        R"({"type": "object", "properties": {}, "additionalProperties": false})");
    int args = 0;
    try {
      args = json_schema_rule(f.parameters.is_null() ? kNoArguments : f.parameters, b_, json_);
    } catch (const SchemaError& e) {
      throw ToolSchemaError(f.name, "function '" + f.name + "' parameters: " + e.what());
    }
    Seq seq;
    add(seq, kCallBeginAt);
    if (format == ToolCallFormat::R1) {
      add(seq, "function");
      add(seq, kSepAt);
      add(seq, f.name + "\n```json\n");
      seq.push_back(GrammarBuilder::ref(args));
      add(seq, "\n```");
    } else {
      add(seq, f.name);
      add(seq, kSepAt);
      seq.push_back(GrammarBuilder::ref(args));
    }
    add(seq, kCallEndAt);
    return seq;
  }

  std::shared_ptr<const ByteGrammar> build(const ToolCallChoice& choice) {
    R1_ASSERT(!choice.functions.empty());
    const int call = b_.new_rule();
    for (const ToolFunction& f : choice.functions) b_.add_alt(call, this->call(f, choice.format));
    Seq root = {GrammarBuilder::ref(json_.ws())};
    add(root, kCallsBeginAt);
    root.push_back(GrammarBuilder::ref(call));
    if (choice.parallel) {
      Seq more;
      if (choice.format == ToolCallFormat::R1) add(more, "\n");
      more.push_back(GrammarBuilder::ref(call));
      root.push_back(GrammarBuilder::ref(b_.repeat(more, 0, -1)));
    }
    add(root, kCallsEndAt);
    const int rule = b_.new_rule();
    b_.add_alt(rule, std::move(root));
    try {
      return build_schema_grammar(b_, rule);
    } catch (const SchemaError& e) {
      throw ToolSchemaError(choice.functions[0].name,
                            std::string("the tools' parameters: ") + e.what());
    }
  }

 private:
  const std::vector<MarkerToken>& markers_;
  GrammarBuilder b_;
  JsonRules json_;
};

}  // namespace

std::vector<MarkerToken> tool_call_markers(const Tokenizer& tokenizer) {
  std::vector<MarkerToken> out;
  for (size_t i = 0; i < std::size(kMarkers); ++i) {
    const int32_t id = tokenizer.token_to_id(kMarkers[i]);
    if (id >= 0 && tokenizer.is_added(id) && !tokenizer.is_special(id) &&
        tokenizer.token_bytes(id) == kMarkers[i])
      out.push_back({uint8_t(kFirstMarkerByte + i), id});
  }
  return out;
}

std::shared_ptr<const ByteGrammar> tool_call_grammar(const ToolCallChoice& choice,
                                                     const std::vector<MarkerToken>& markers) {
  return CallGrammar(markers).build(choice);
}

StructuredOutput tool_call_output(const ToolCallChoice& choice, const Tokenizer& tokenizer) {
  StructuredOutput out;
  out.markers = tool_call_markers(tokenizer);
  out.grammar = tool_call_grammar(choice, out.markers);
  out.may_open_reasoning = true;
  return out;
}

}  // namespace r1
