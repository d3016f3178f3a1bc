// Stored weight bytes, through the model's tensor source (metadata only: no tensor is read).
#include "infer/stored_weights.h"

#include "core/error.h"
#include "model/size_math.h"

namespace r1 {

int64_t stored_weight_bytes(const TensorSource& tensors, const WeightSpec& spec,
                            std::map<std::string, int>* dtype_counts) {
  auto bytes_of = [&](const std::string& name) {
    const TensorInfo t = tensors.info(name);
    if (dtype_counts) (*dtype_counts)[dtype_name(t.dtype)]++;
    int64_t bytes = int64_t(t.nbytes());
    if (tensors.has(name + "_scale_inv"))
      bytes += int64_t(tensors.info(name + "_scale_inv").nbytes());
    return bytes;
  };
  if (tensors.has(spec.name)) return bytes_of(spec.name);
  const size_t at = spec.name.find("kv_b_proj");
  R1_ASSERT(at != std::string::npos);
  std::string k = spec.name, v = spec.name;
  return bytes_of(k.replace(at, 9, "k_b_proj")) + bytes_of(v.replace(at, 9, "v_b_proj"));
}

int64_t stored_model_bytes(const Model& model) {
  const TensorSource& tensors = model.tensors();
  const ModelConfig& c = model.config();
  return size_report(c,
                     [&](const WeightSpec& s) {
                       return part_holds(c, model.part(), s) ? stored_weight_bytes(tensors, s) : 0;
                     })
      .weight_bytes;
}

}  // namespace r1
