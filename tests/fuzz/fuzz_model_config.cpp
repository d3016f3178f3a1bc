// libFuzzer target: config.json parsing and validation on arbitrary bytes. Only r1::Error may
// escape parse_model_config, and an accepted config must survive model_config_to_json.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/error.h"
#include "model/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  r1::Json j = r1::Json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  try {
    r1::ModelConfig c = r1::parse_model_config(j, "fuzz");
    if (!(r1::parse_model_config(r1::model_config_to_json(c), "fuzz") == c)) std::abort();
  } catch (const r1::Error&) {
  }
  return 0;
}
