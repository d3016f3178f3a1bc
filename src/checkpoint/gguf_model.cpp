// GGUF tensors under Hugging Face names: name mapping, type checks, expert slices and llama's
// q/k row order.
#include "checkpoint/gguf_model.h"

#include <cmath>
#include <cstring>

#include "checkpoint/gguf_config.h"
#include "core/error.h"
#include "core/quant_blocks_legacy.h"

namespace r1 {

namespace {

// The dtype a GGUF tensor type is held in: the ggml types r1 computes with as stored; Q5_0 and
// IQ4_NL (llama-quantize's fallbacks for rows that are not whole 256-value super-blocks) as Q8_0,
// which holds their values exactly (int8 times the block's fp16 scale); Q5_1 (d * q + m, which
// no int8 block holds) as f32, each value as ggml dequantises it.
DType held_dtype(GgmlType t) {
  switch (t) {
    case GgmlType::F32:
      return DType::F32;
    case GgmlType::F16:
      return DType::F16;
    case GgmlType::BF16:
      return DType::BF16;
    case GgmlType::Q8_0:
    case GgmlType::Q5_0:
    case GgmlType::IQ4_NL:
      return DType::Q8_0;
    case GgmlType::Q4_0:
      return DType::Q4_0;
    case GgmlType::Q2_K:
      return DType::Q2_K;
    case GgmlType::Q3_K:
      return DType::Q3_K;
    case GgmlType::Q4_K:
      return DType::Q4_K;
    case GgmlType::Q5_K:
      return DType::Q5_K;
    case GgmlType::Q6_K:
      return DType::Q6_K;
    case GgmlType::IQ4_XS:
      return DType::IQ4_XS;
    case GgmlType::Q5_1:
      return DType::F32;
    default:
      break;
  }
  R1_ASSERT_MSG(false, "held_dtype: unsupported ggml type");
  return DType::F32;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// llama.cpp stores llama's q/k rows per head as interleaved pairs (convert_hf_to_gguf.py's
// permute); Hugging Face's rotate_half wants the two halves: row h*hd + j*hd/2 + i of the
// result is row h*hd + 2i + j of the file.
Tensor unpermute_rows(const Tensor& t, int64_t n_head, const std::string& where) {
  const int64_t rows = t.dim(0);
  if (n_head <= 0 || rows % (2 * n_head) != 0 || (t.ndim() == 1 && dtype_block_elems(t.dtype) > 1))
    throw FormatError(where + " with shape " + shape_str(t.shape) +
                      " cannot be split into rotary pairs of " + std::to_string(n_head) + " heads");
  const int64_t hd = rows / n_head, half = hd / 2;
  const size_t row_bytes = t.nbytes() / size_t(rows);
  Tensor out = Tensor::zeros(t.dtype, t.shape);
  const char* src = static_cast<const char*>(t.data);
  char* dst = static_cast<char*>(out.data);
  for (int64_t h = 0; h < n_head; ++h)
    for (int64_t j = 0; j < 2; ++j)
      for (int64_t i = 0; i < half; ++i)
        std::memcpy(dst + size_t(h * hd + j * half + i) * row_bytes,
                    src + size_t(h * hd + 2 * i + j) * row_bytes, row_bytes);
  return out;
}

}  // namespace

Tensor held_tensor(GgmlType type, const Shape& shape, const void* data,
                   const std::shared_ptr<void>& owner) {
  const DType dt = held_dtype(type);
  if (type != GgmlType::Q5_0 && type != GgmlType::IQ4_NL && type != GgmlType::Q5_1)
    return Tensor::view(dt, shape, data, owner);
  Tensor out = Tensor::zeros(dt, shape);
  const int64_t n = shape_numel(shape);
  if (type == GgmlType::Q5_0)
    q5_0_to_q8_0(static_cast<const block_q5_0*>(data), static_cast<block_q8_0*>(out.data), n);
  else if (type == GgmlType::IQ4_NL)
    iq4_nl_to_q8_0(static_cast<const block_iq4_nl*>(data), static_cast<block_q8_0*>(out.data), n);
  else
    dequantize_row_q5_1(static_cast<const block_q5_1*>(data), out.f32(), n);
  return out;
}

GgufTensorSource::GgufTensorSource(GgufFile file, const ModelConfig& c)
    : file_(std::move(file)),
      arch_(c.arch),
      heads_(c.num_attention_heads),
      kv_heads_(c.num_key_value_heads) {
  std::vector<WeightSpec> specs = weight_specs(c);
  if (c.is_deepseek())
    for (int64_t l = 0; l < c.num_hidden_layers + c.num_nextn_predict_layers; ++l)
      for (WeightSpec& s : mla_split_specs(c, l)) specs.push_back(std::move(s));
  for (const WeightSpec& s : specs) {
    by_name_[s.name] = s.gguf;
    order_.push_back(s.name);
  }
}

const GgufName* GgufTensorSource::gguf_name(const std::string& name) const {
  const auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &it->second;
}

const std::string& GgufTensorSource::stored_name(const GgufName& ref) const {
  if (!ref.shared.empty() && !file_.find_tensor(ref.name) && file_.find_tensor(ref.shared))
    return ref.shared;
  return ref.name;
}

bool GgufTensorSource::has(const std::string& name) const {
  const GgufName* ref = gguf_name(name);
  if (!ref) return false;
  const GgufTensorInfo* info = file_.find_tensor(stored_name(*ref));
  if (!info) return false;
  return ref->expert < 0 || (info->shape.size() == 3 && ref->expert < info->shape[0]);
}

std::string GgufTensorSource::where(const std::string& name) const {
  const GgufName* ref = gguf_name(name);
  if (!ref) return file_.path() + ": tensor '" + name + "' (no GGUF name)";
  std::string s = file_.path() + ": tensor '" + stored_name(*ref) + "'";
  if (ref->expert >= 0) s += " expert " + std::to_string(ref->expert);
  return s + " (" + name + ")";
}

const GgufTensorInfo& GgufTensorSource::stored_info(const std::string& name) const {
  const GgufName* ref = gguf_name(name);
  const GgufTensorInfo* info = ref ? file_.find_tensor(stored_name(*ref)) : nullptr;
  if (!info) throw FormatError(where(name) + " is missing");
  if (!ggml_type_supported(info->type))
    throw FormatError(where(name) + " has ggml type " + ggml_type_name(uint32_t(info->type)) +
                      ", which r1 does not read (it reads " + ggml_supported_type_list() +
                      "); re-quantise the model with llama-quantize to one of these, e.g. "
                      "llama-quantize in.gguf out.gguf Q4_K_M");
  if (ref->expert >= 0 && (info->shape.size() != 3 || ref->expert >= info->shape[0]))
    throw FormatError(where(name) + " is missing: the stacked tensor has shape " +
                      shape_str(info->shape) + ", expected [experts, out, in]");
  return *info;
}

Shape GgufTensorSource::stored_shape(const std::string& name) const {
  const GgufTensorInfo& info = stored_info(name);
  if (gguf_name(name)->expert < 0) return info.shape;
  return {info.shape[1], info.shape[2]};
}

Tensor GgufTensorSource::stored_view(const std::string& name) const {
  const GgufTensorInfo& info = stored_info(name);
  const GgufTensor g = file_.tensor(info.name);
  const int64_t expert = gguf_name(name)->expert;
  if (expert < 0) return held_tensor(g.type, g.shape, g.data, g.owner);
  // Expert e of the stack [E, out, in]: its rows are whole blocks, so a byte slice.
  const size_t bytes = g.nbytes / size_t(g.shape[0]);
  return held_tensor(g.type, {g.shape[1], g.shape[2]},
                     static_cast<const char*>(g.data) + size_t(expert) * bytes, g.owner);
}

TensorInfo GgufTensorSource::info(const std::string& name) const {
  return {held_dtype(stored_info(name).type), stored_shape(name)};
}

Tensor GgufTensorSource::get(const std::string& name) const {
  const Tensor t = stored_view(name);
  if (arch_ == Arch::Llama &&
      (ends_with(name, "self_attn.q_proj.weight") || ends_with(name, "self_attn.q_proj.bias")))
    return unpermute_rows(t, heads_, where(name));
  if (arch_ == Arch::Llama &&
      (ends_with(name, "self_attn.k_proj.weight") || ends_with(name, "self_attn.k_proj.bias")))
    return unpermute_rows(t, kv_heads_, where(name));
  return t;
}

std::vector<std::string> GgufTensorSource::names() const {
  std::vector<std::string> out;
  for (const std::string& name : order_)
    if (has(name)) out.push_back(name);
  return out;
}

GgufModel open_gguf_model(const std::string& path) {
  GgufFile file = GgufFile::open(path);
  GgufModel m;
  m.config = gguf_model_config(file);
  const ModelConfig& c = m.config;
  if (const GgufTensorInfo* rf = file.find_tensor("rope_freqs.weight")) {
    const int64_t rot = c.is_deepseek() ? c.qk_rope_head_dim : c.head_dim;
    if (rf->type != GgmlType::F32 || rf->shape != Shape{rot / 2})
      throw FormatError(path + ": tensor 'rope_freqs.weight' has type " +
                        ggml_type_name(uint32_t(rf->type)) + " and shape " + shape_str(rf->shape) +
                        ", expected F32 [" + std::to_string(rot / 2) + "]");
    const GgufTensor t = file.tensor("rope_freqs.weight");
    const float* f = static_cast<const float*>(t.data);
    m.rope_freq_factors.assign(f, f + rot / 2);
    for (float x : m.rope_freq_factors)
      if (!(x > 0.0f) || !std::isfinite(x))
        throw FormatError(path +
                          ": tensor 'rope_freqs.weight' has a factor that is not a "
                          "positive finite number");
  }
  m.tensors = std::make_unique<GgufTensorSource>(std::move(file), c);
  return m;
}

}  // namespace r1
