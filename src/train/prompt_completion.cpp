// Prompt-completion records: the prompt/completion split.
#include "train/prompt_completion.h"

#include <vector>

#include "core/error.h"

namespace r1 {

namespace {

const std::string& string_field(const OrderedJson& record, const char* key) {
  if (!record.contains(key) || !record[key].is_string())
    throw FormatError(std::string("\"") + key + "\" must be a string");
  return record[key].get_ref<const std::string&>();
}

}  // namespace

ChatExample render_prompt_completion(const Tokenizer& tok, const OrderedJson& record,
                                     int32_t eos_id) {
  if (!record.is_object())
    throw FormatError("expected an object with \"prompt\" and \"completion\"");
  const std::string& prompt = string_field(record, "prompt");
  const std::string& completion = string_field(record, "completion");
  ChatExample ex;
  ex.tokens = tok.encode(prompt, true);
  ex.mask.assign(ex.tokens.size(), 0);
  const std::vector<int32_t> answer = tok.encode(completion, false);
  ex.tokens.insert(ex.tokens.end(), answer.begin(), answer.end());
  ex.tokens.push_back(eos_id);
  ex.mask.resize(ex.tokens.size(), 1);
  return ex;
}

}  // namespace r1
