// config.json <-> ModelConfig: parsing with Hugging Face's defaults and validation of every
// field (unknown or inconsistent values name the field), and writing it back in HF form.
#pragma once

#include <string>

#include "io/json_file.h"
#include "model/config.h"

namespace r1 {

// Parses config.json; `path` is used in messages ("<path>: field 'x': ..."). Unknown fields
// are ignored; null counts as absent. Throws ConfigError.
ModelConfig parse_model_config(const Json& j, const std::string& path);
// `path` is a config.json or a model directory holding one.
ModelConfig load_model_config(const std::string& path);
// Writes the config back as HF config.json (the fields above plus the usual HF boilerplate);
// parse_model_config(model_config_to_json(c)) == c for every parsed c.
Json model_config_to_json(const ModelConfig& c);

}  // namespace r1
