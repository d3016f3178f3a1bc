// The shape check and tensor metadata shared by every tensor source.
#include "model/tensor_source.h"

#include "core/error.h"

namespace r1 {

TensorInfo TensorSource::info(const std::string& name) const {
  const Tensor t = get(name);
  return {t.dtype, t.shape};
}

Tensor TensorSource::get_shaped(const std::string& name, const Shape& expected) const {
  Tensor t = get(name);
  if (t.shape != expected)
    throw FormatError(where(name) + " has shape " + shape_str(t.shape) + ", expected " +
                      shape_str(expected));
  return t;
}

}  // namespace r1
