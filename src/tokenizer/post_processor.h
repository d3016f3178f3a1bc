// Post-processors from tokenizer.json, reduced to what they do to ids of a single sequence:
// TemplateProcessing, RobertaProcessing/BertProcessing, ByteLevel (no-op), Sequence.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/json_file.h"

namespace r1::tok {

class PostProcessor {
 public:
  static PostProcessor parse(const Json& j, const std::string& source);
  // `before` + sequence + `after` (transformers' LlamaTokenizerFast add_bos/add_eos template).
  static PostProcessor wrap(std::vector<int32_t> before, std::vector<int32_t> after);
  // Wraps the ids of one sequence with the special tokens of the single template.
  std::vector<int32_t> apply(std::vector<int32_t> ids) const;

 private:
  // The single template as a list of parts: a run of special ids, or the sequence (empty list
  // with is_sequence true). Sequence post-processors compose templates.
  struct Part {
    bool is_sequence = false;
    std::vector<int32_t> ids;
  };
  std::vector<std::vector<Part>> templates_;
};

}  // namespace r1::tok
