// A byte-level tokenizer for tests: the 256 byte tokens (ids 0-255, no merges), then the given
// added tokens from id 256 on, so that any text encodes and the tiny presets' vocabularies fit.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace r1::test {

// added: (content, special) in id order.
Tokenizer byte_tokenizer(const std::vector<std::pair<std::string, bool>>& added);

}  // namespace r1::test
