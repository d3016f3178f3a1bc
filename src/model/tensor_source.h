// Where a model's tensors come from: one small interface in Hugging Face naming, implemented
// for safetensors directories and GGUF files in checkpoint/ and for parameter buffers here.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace r1 {

// What get() would return without its data: enough to count bytes and fingerprint a model.
struct TensorInfo {
  DType dtype = DType::F32;
  Shape shape;
  size_t nbytes() const {
    return size_t(shape_numel(shape) / dtype_block_elems(dtype)) * dtype_block_bytes(dtype);
  }
};

class TensorSource {
 public:
  virtual ~TensorSource() = default;

  // `name` is a Hugging Face tensor name ("model.layers.0.self_attn.q_proj.weight").
  virtual bool has(const std::string& name) const = 0;
  // The tensor in its stored dtype, PyTorch shape order, as a view into the mapped file where
  // the layout allows. FormatError naming the file when it is absent or unreadable.
  virtual Tensor get(const std::string& name) const = 0;
  // get()'s dtype and shape without reading the tensor's bytes (a source that would copy or
  // convert them overrides it).
  virtual TensorInfo info(const std::string& name) const;
  // "<file>: tensor '<name in the file>'": where a tensor lives, to start error messages.
  virtual std::string where(const std::string& name) const = 0;
  // Every tensor the source holds, in Hugging Face naming.
  virtual std::vector<std::string> names() const = 0;
  // The checkpoint directory or the file.
  virtual const std::string& path() const = 0;

  // get() plus a shape check: "<where>: has shape [a, b], expected [c, d]".
  Tensor get_shaped(const std::string& name, const Shape& expected) const;
};

}  // namespace r1
