// The parameter loader's view of a source: kv_b_proj rebuilt from k_b/v_b, quantised types
// noted as they are read.
#include "checkpoint/param_load.h"

#include <algorithm>
#include <set>

#include "core/error.h"
#include "core/log.h"

namespace r1 {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

class ParamLoadSource : public TensorSource {
 public:
  explicit ParamLoadSource(const TensorSource& inner) : inner_(inner) {}

  bool has(const std::string& name) const override {
    return inner_.has(name) || (!split_prefix(name).empty());
  }
  Tensor get(const std::string& name) const override {
    const std::string prefix = split_prefix(name);
    if (!prefix.empty()) return joined_kv_b(prefix);
    Tensor t = inner_.get(name);
    note(t.dtype);
    return t;
  }
  std::string where(const std::string& name) const override { return inner_.where(name); }
  std::vector<std::string> names() const override { return inner_.names(); }
  const std::string& path() const override { return inner_.path(); }

  const std::set<std::string>& dequantised() const { return dequantised_; }

 private:
  // "model.layers.N.self_attn." when `name` is a kv_b_proj the source holds only split.
  std::string split_prefix(const std::string& name) const {
    const std::string suffix = "kv_b_proj.weight";
    if (!ends_with(name, "self_attn." + suffix) || inner_.has(name)) return "";
    const std::string prefix = name.substr(0, name.size() - suffix.size());
    return inner_.has(prefix + "k_b_proj.weight") && inner_.has(prefix + "v_b_proj.weight") ? prefix
                                                                                            : "";
  }

  void note(DType t) const {
    if (dtype_block_elems(t) > 1) dequantised_.insert(dtype_name(t));
  }

  // kv_b [H * (nope + v), lora]: head h's rows are k_b[h]^T ([nope, lora]) over v_b[h]
  // ([v, lora]).
  Tensor joined_kv_b(const std::string& prefix) const {
    const std::string kn = prefix + "k_b_proj.weight", vn = prefix + "v_b_proj.weight";
    const Tensor kt = inner_.get(kn), vt = inner_.get(vn);
    note(kt.dtype);
    note(vt.dtype);
    if (kt.ndim() != 3 || vt.ndim() != 3 || kt.dim(0) != vt.dim(0) || kt.dim(1) != vt.dim(2))
      throw FormatError(inner_.where(kn) + " with shape " + shape_str(kt.shape) + " and " +
                        inner_.where(vn) + " with shape " + shape_str(vt.shape) +
                        " do not split one kv_b_proj ([H, lora, nope] and [H, v, lora])");
    const Tensor k = to_f32(kt), v = to_f32(vt);  // [H, lora, nope], [H, v, lora]
    const int64_t H = k.dim(0), lora = k.dim(1), nope = k.dim(2), vd = v.dim(1);
    Tensor out = Tensor::zeros(DType::F32, {H * (nope + vd), lora});  // [H * (nope + v), lora]
    for (int64_t h = 0; h < H; ++h) {
      float* head = out.f32() + h * (nope + vd) * lora;
      const float* kh = k.f32() + h * lora * nope;
      for (int64_t r = 0; r < nope; ++r)
        for (int64_t c = 0; c < lora; ++c) head[r * lora + c] = kh[c * nope + r];
      std::copy_n(v.f32() + h * vd * lora, vd * lora, head + nope * lora);
    }
    return out;
  }

  const TensorSource& inner_;
  mutable std::set<std::string> dequantised_;
};

}  // namespace

void load_params_from(const ParamLayout& layout, const TensorSource& source, float* params) {
  const ParamLoadSource view(source);
  load_params(layout, view, params);
  if (view.dequantised().empty()) return;
  std::string types;
  for (const std::string& t : view.dequantised()) types += (types.empty() ? "" : ", ") + t;
  log_note(source.path() + ": " + types +
           " weights dequantised to f32 for training (their rounding stays in the weights)");
}

}  // namespace r1
