// ParamSource: name -> f32 view into the parameter buffer.
#include "model/param_source.h"

#include "core/error.h"

namespace r1 {

ParamSource::ParamSource(const ParamLayout& layout, const float* params, std::string label)
    : label_(std::move(label)) {
  for (auto& [name, tensor] : param_tensors(layout, params)) {
    names_.push_back(name);
    index_.emplace(name, std::move(tensor));
  }
}

Tensor ParamSource::get(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) throw FormatError(label_ + ": has no tensor '" + name + "'");
  return it->second;
}

std::string ParamSource::where(const std::string& name) const {
  return label_ + ": tensor '" + name + "'";
}

std::vector<std::string> ParamSource::names() const { return names_; }

}  // namespace r1
