// NumPy .npy files (version 1.0, little-endian f32/i32/i64), written atomically.
#pragma once

#include <string>

#include "core/tensor.h"

namespace r1 {

void write_npy(const std::string& path, const Tensor& t);  // F32, I32 or I64
Tensor read_npy(const std::string& path);                  // throws FormatError naming path

}  // namespace r1
