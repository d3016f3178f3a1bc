// libFuzzer target: config.json parsing (parse_json) and validation on arbitrary bytes. Only
// r1::Error may escape parse_model_config, and an accepted config must survive
// model_config_to_json.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "checkpoint/config_json.h"
#include "core/error.h"
#include "io/json_file.h"
#include "model/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const char* text = reinterpret_cast<const char*>(data);
    const r1::Json j = r1::parse_json("fuzz", text, text + size);
    r1::ModelConfig c = r1::parse_model_config(j, "fuzz");
    if (!(r1::parse_model_config(r1::model_config_to_json(c), "fuzz") == c)) std::abort();
  } catch (const r1::Error&) {
  }
  return 0;
}
