// ModelConfig's names: the model_type string of each architecture.
#include "model/config.h"

namespace r1 {

const char* arch_name(Arch a) {
  switch (a) {
    case Arch::DeepseekV3:
      return "deepseek_v3";
    case Arch::DeepseekV2:
      return "deepseek_v2";
    case Arch::Qwen2:
      return "qwen2";
    case Arch::Llama:
      return "llama";
  }
  return "";
}

}  // namespace r1
