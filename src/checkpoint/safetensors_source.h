// A safetensors checkpoint directory (one file, or shards with an index) as a TensorSource.
#pragma once

#include <string>
#include <vector>

#include "io/safetensors.h"
#include "model/tensor_source.h"

namespace r1 {

// A safetensors checkpoint directory (one file, or shards with an index).
class SafetensorsSource : public TensorSource {
 public:
  explicit SafetensorsSource(WeightStore store) : store_(std::move(store)) {}

  bool has(const std::string& name) const override { return store_.has(name); }
  Tensor get(const std::string& name) const override { return store_.get(name); }
  std::string where(const std::string& name) const override;
  std::vector<std::string> names() const override { return store_.names(); }
  const std::string& path() const override { return store_.dir(); }

 private:
  WeightStore store_;
};

}  // namespace r1
