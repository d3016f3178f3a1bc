// The grammar of a forced tool call (tool_choice "required" or a named function): the call
// markup of the model's format around one of the allowed functions and arguments valid against
// that function's JSON Schema, for constrained sampling as llama-server does it with grammars.
#pragma once

#include <string>
#include <vector>

#include "chat/tool_call_format.h"
#include "infer/json_schema_grammar.h"
#include "infer/token_constraint.h"
#include "tokenizer/tokenizer.h"

namespace r1 {

struct ToolFunction {
  std::string name;        // 1-64 of a-z, A-Z, 0-9, '_', '-' (the server checks it)
  OrderedJson parameters;  // the arguments' JSON Schema; null: none, the arguments are {}
};

struct ToolCallChoice {
  ToolCallFormat format = ToolCallFormat::R1;
  std::vector<ToolFunction> functions;  // those that may be called (at least one)
  bool parallel = false;                // more calls may follow the first
};

// A function whose parameters cannot be compiled (SchemaError's message, the function named).
class ToolSchemaError : public UsageError {
 public:
  ToolSchemaError(const std::string& function, const std::string& message)
      : UsageError(message), function_(function) {}
  const std::string& function() const { return function_; }

 private:
  std::string function_;
};

// The tool-call markers this vocabulary has as single tokens: added, not special (decoded text
// shows them, as the tool-call parser needs) and spelling exactly the marker, as DeepSeek's
// tokenizer.json has <｜tool▁calls▁begin｜> etc. (ids 128806-128814).
std::vector<MarkerToken> tool_call_markers(const Tokenizer& tokenizer);

// The documents, whitespace first allowed as after "</think>\n\n":
//   R1:   calls-begin call ("\n" call)* calls-end, a call being
//         call-begin "function" sep NAME "\n```json\n" ARGS "\n```" call-end
//   V3.1: calls-begin call* calls-end, a call being call-begin NAME sep ARGS call-end
// with more than one call only when parallel. Each marker is its byte in `markers`, or its text
// where the vocabulary has no token for it. ToolSchemaError.
std::shared_ptr<const ByteGrammar> tool_call_grammar(const ToolCallChoice& choice,
                                                     const std::vector<MarkerToken>& markers);

// Both for this vocabulary: what GenerationRequest::structured takes.
StructuredOutput tool_call_output(const ToolCallChoice& choice, const Tokenizer& tokenizer);

}  // namespace r1
