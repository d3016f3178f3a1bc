// A checkpoint re-written as a plain Hugging Face model directory (config.json,
// model.safetensors, tokenizer files) in f32, f16 or bf16: e.g. a trained f32 checkpoint shipped
// in half the bytes. The optimizer moments and trainer state are not carried over.
#pragma once

#include <string>

#include "core/tensor.h"

namespace r1 {

struct ModelExportReport {
  int64_t tensors = 0;
  int64_t bytes = 0;  // tensor data written
};

// Reads every weight of `model_dir` (any stored float dtype) and writes `out_dir` with the
// matrices in `dtype` (F32, F16 or BF16); vectors (norms, biases, the router's correction bias)
// stay f32. UsageError for another dtype; IoError / FormatError naming the file otherwise.
ModelExportReport export_model_dir(const std::string& model_dir, const std::string& out_dir,
                                   DType dtype);

}  // namespace r1
