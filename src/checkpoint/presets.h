// Named model shapes for `r1 init` and `r1 info`: tiny test models and the real DeepSeek-V3/R1,
// V2-Lite and R1-Distill shapes.
#pragma once

#include <string>
#include <vector>

#include "model/config.h"

namespace r1 {

struct Preset {
  std::string name;
  std::string description;
  ModelConfig config;
  bool size_math_only = false;  // too large to materialise here: `r1 init` writes config.json only
};

const std::vector<Preset>& presets();
// Throws UsageError listing the known names.
const Preset& find_preset(const std::string& name);

}  // namespace r1
