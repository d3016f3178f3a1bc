// The tensors of a parameter buffer as a TensorSource: f32 views (not copies) into the buffer
// the trainer updates, so a Model built over it always runs the current parameters (the GRPO
// rollout engine samples from the policy being trained this way).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "model/param_layout.h"
#include "model/tensor_source.h"

namespace r1 {

class ParamSource : public TensorSource {
 public:
  // `params` [layout.total()] must outlive the source; `label` names it in messages.
  ParamSource(const ParamLayout& layout, const float* params, std::string label);

  bool has(const std::string& name) const override { return index_.count(name) > 0; }
  Tensor get(const std::string& name) const override;
  std::string where(const std::string& name) const override;
  std::vector<std::string> names() const override;
  const std::string& path() const override { return label_; }

 private:
  std::unordered_map<std::string, Tensor> index_;
  std::vector<std::string> names_;  // layout order
  std::string label_;
};

}  // namespace r1
