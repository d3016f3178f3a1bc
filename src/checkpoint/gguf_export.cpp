// GGUF export: a plan of tensors (name, shape, type, a row reader over the loaded weights) in
// llama.cpp's order, then one streaming write in which each tensor is read, converted and
// quantised row by row.
#include "checkpoint/gguf_export.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "checkpoint/model_dir.h"
#include "core/error.h"
#include "core/kquant_quantize.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/quant_blocks.h"
#include "core/quant_blocks_legacy.h"
#include "core/thread_pool.h"
#include "io/gguf.h"
#include "kernels/cpu/dequant.h"
#include "model/blocks/mla.h"
#include "model/model.h"
#include "model/weight_specs.h"
#include "tokenizer/gguf_vocab.h"

namespace r1 {

namespace {

constexpr size_t kChunkBytes = 1 << 20;       // f32 rows read and converted at a time
constexpr uint32_t kQuantizationVersion = 2;  // GGML_QNT_VERSION

// Fills `out` with row `row` of a tensor in f32 (rows of shape.back() values).
using RowReader = std::function<void(int64_t row, float* out)>;
// Made when the tensor is written, so per-tensor scratch lives only while it is.
using RowReaderFactory = std::function<RowReader()>;

struct Planned {
  std::string name;
  Shape shape;  // PyTorch order
  GgmlType type;
  RowReaderFactory rows;
};

size_t row_bytes(GgmlType type, int64_t n) {
  const GgmlTypeInfo* info = ggml_type_info(uint32_t(type));
  return size_t(n / info->block_size) * info->block_bytes;
}

// Writes n values as `type` (whole blocks for the block types) to `out`, rounded and quantised
// as ggml does.
void encode_row(GgmlType type, const float* x, int64_t n, void* out) {
  switch (type) {
    case GgmlType::F32:
      std::memcpy(out, x, size_t(n) * 4);
      return;
    case GgmlType::F16:
    case GgmlType::BF16: {
      uint16_t* o = static_cast<uint16_t*>(out);
      for (int64_t i = 0; i < n; ++i)
        o[i] = type == GgmlType::F16 ? f32_to_f16(x[i]) : f32_to_bf16(x[i]);
      return;
    }
    case GgmlType::Q8_0:
      return quantize_row_q8_0(x, static_cast<block_q8_0*>(out), n);
    case GgmlType::Q4_0:
      return quantize_row_q4_0(x, static_cast<block_q4_0*>(out), n);
    case GgmlType::Q2_K:
      return quantize_row_q2_K(x, static_cast<block_q2_K*>(out), n);
    case GgmlType::Q3_K:
      return quantize_row_q3_K(x, static_cast<block_q3_K*>(out), n);
    case GgmlType::Q4_K:
      return quantize_row_q4_K(x, static_cast<block_q4_K*>(out), n);
    case GgmlType::Q5_K:
      return quantize_row_q5_K(x, static_cast<block_q5_K*>(out), n);
    case GgmlType::Q6_K:
      return quantize_row_q6_K(x, static_cast<block_q6_K*>(out), n);
    case GgmlType::IQ4_XS:
      return quantize_row_iq4_xs(x, static_cast<block_iq4_xs*>(out), n);
    case GgmlType::Q5_0:
      return quantize_row_q5_0(x, static_cast<block_q5_0*>(out), n);
    case GgmlType::Q5_1:
      return quantize_row_q5_1(x, static_cast<block_q5_1*>(out), n);
    case GgmlType::IQ4_NL:
      return quantize_row_iq4_nl(x, static_cast<block_iq4_nl*>(out), n);
    default:
      R1_ASSERT_MSG(false, "encode_row: unsupported output type");
  }
}

RowReaderFactory matrix_rows(const WeightMatrix& m) {
  return [m] { return [m](int64_t r, float* out) { dequantize_rows(m, r, r + 1, out); }; };
}

RowReaderFactory vector_row(const Tensor& v) {
  return [v] {
    return [v](int64_t, float* out) { std::memcpy(out, v.f32(), size_t(v.numel()) * 4); };
  };
}

// convert_hf_to_gguf.py's LlamaModel.permute: per head, rotate-half order -> interleaved pairs,
// so that llama.cpp's RoPE on adjacent pairs computes what rotate_half did.
int64_t permuted_source(int64_t g, int64_t head_dim) {
  const int64_t h = g / head_dim, rem = g % head_dim;
  return h * head_dim + (rem % 2) * (head_dim / 2) + rem / 2;
}

// Every tensor of the name table with its GGUF name, type and rows (the MTP layers' only when
// the config keeps them).
class Planner {
 public:
  Planner(const ModelConfig& c, GgufOutType t, MlaLayout layout)
      : c_(c), type_(t), layout_(layout) {}

  std::vector<Planned> plan(const ModelWeights& loaded, const std::vector<float>& rope_factors) {
    if (!rope_factors.empty()) {
      auto f = std::make_shared<std::vector<float>>(rope_factors);
      items_.push_back({"rope_freqs.weight", {int64_t(f->size())}, GgmlType::F32, [f] {
                          return [f](int64_t, float* out) { std::copy(f->begin(), f->end(), out); };
                        }});
    }
    ModelWeights w = loaded;  // shallow copy, shaped already: the visit's slots point into it
    if (c_.num_nextn_predict_layers == 0) w.mtp.clear();  // MTP layers left out
    visit_weights(c_, w, [&](const WeightSpec& s, const WeightSlot& slot) {
      if (!s.gguf.shared.empty() && same_as_main(w, s.gguf.shared, slot)) return;
      if (slot.split_layer >= 0) return mla_up(s, slot.split_layer, block(w, slot.split_layer).mla);
      if (s.gguf.expert >= 0) return expert(s, *slot.matrix);
      const bool llama_qk =
          c_.arch == Arch::Llama && (s.gguf.name.find(".attn_q.") != std::string::npos ||
                                     s.gguf.name.find(".attn_k.") != std::string::npos);
      if (slot.tensor && s.shape.size() == 1)
        return add(s.gguf.name, s.shape,
                   llama_qk ? permuted_vector(*slot.tensor) : vector_row(*slot.tensor));
      WeightMatrix m;
      if (slot.matrix) m = *slot.matrix;
      if (slot.tensor) m.w = *slot.tensor;
      add(s.gguf.name, s.shape, llama_qk ? permuted_rows(m) : matrix_rows(m));
    });
    return std::move(items_);
  }

 private:
  void add(const std::string& name, const Shape& shape, RowReaderFactory rows) {
    items_.push_back({name, shape, type_for(name, shape), std::move(rows)});
  }

  GgmlType type_for(const std::string& name, const Shape& shape) const {
    // An MTP stand-in is typed as the main tensor it may share bytes with (same_as_main).
    std::string typed_as = name;
    if (name.ends_with(".nextn.shared_head_head.weight")) typed_as = "output.weight";
    if (name.ends_with(".nextn.embed_tokens.weight")) typed_as = "token_embd.weight";
    return gguf_tensor_type(type_, quant_mix_model(c_), typed_as, shape);
  }

  // Whether an MTP tensor with a stand-in (nextn.embed_tokens, nextn.shared_head_head) holds the
  // same bytes as that main-model tensor: then the file leaves it out and readers, llama.cpp's
  // and r1's, take the main one (as DeepSeek-V3 shares them). Written the same way either way:
  // type_for gives both the same type.
  static bool same_as_main(const ModelWeights& w, const std::string& main, const WeightSlot& slot) {
    const WeightMatrix a = slot.matrix ? *slot.matrix : plain_matrix(*slot.tensor);
    const WeightMatrix b = main == "token_embd.weight" ? plain_matrix(w.embed) : w.lm_head;
    return same_bytes(a.w, b.w) && same_bytes(a.scale_inv, b.scale_inv) &&
           a.block_rows == b.block_rows && a.block_cols == b.block_cols;
  }

  static WeightMatrix plain_matrix(const Tensor& t) {
    WeightMatrix m;
    m.w = t;
    return m;
  }

  static bool same_bytes(const Tensor& a, const Tensor& b) {
    if (!a.defined() || !b.defined()) return a.defined() == b.defined();
    return a.dtype == b.dtype && a.shape == b.shape &&
           (a.data == b.data || std::memcmp(a.data, b.data, a.nbytes()) == 0);
  }

  // Decoder layer `layer`, or past the main layers the MTP layer's block.
  static const BlockWeights& block(const ModelWeights& w, int64_t layer) {
    const size_t n = w.layers.size(), i = size_t(layer);
    return i < n ? w.layers[i] : w.mtp[i - n].block;
  }

  // Llama's q/k weight with rows permuted per head.
  RowReaderFactory permuted_rows(const WeightMatrix& m) const {
    const int64_t hd = c_.head_dim;
    return [m, hd] {
      return [m, hd](int64_t g, float* out) {
        const int64_t r = permuted_source(g, hd);
        dequantize_rows(m, r, r + 1, out);
      };
    };
  }

  // Llama's q/k bias, permuted as the weight's rows are.
  RowReaderFactory permuted_vector(const Tensor& b) const {
    const int64_t hd = c_.head_dim;
    return [b, hd] {
      return [b, hd](int64_t, float* out) {
        for (int64_t g = 0; g < b.numel(); ++g) out[g] = b.f32()[permuted_source(g, hd)];
      };
    };
  }

  // ffn_{gate,up,down}_exps [E, out, in]: expert e's rows one after another. Planned at expert
  // 0; the later experts' matrices join the same list before any row is read.
  void expert(const WeightSpec& s, const WeightMatrix& m) {
    std::shared_ptr<std::vector<WeightMatrix>>& list = stacked_[s.gguf.name];
    if (s.gguf.expert == 0) {
      list = std::make_shared<std::vector<WeightMatrix>>();
      const auto ms = list;
      const int64_t out = s.shape[0];
      add(s.gguf.name, {c_.n_routed_experts, out, s.shape[1]}, [ms, out] {
        return [ms, out](int64_t r, float* o) {
          dequantize_rows((*ms)[size_t(r / out)], r % out, r % out + 1, o);
        };
      });
    }
    list->push_back(m);
  }

  // kv_b_proj whole ([H * (nope + v), lora]) or split into k_b [H, lora, nope] and
  // v_b [H, v, lora], from either layout of the loaded weights, one head at a time.
  void mla_up(const WeightSpec& s, int64_t layer, const MlaWeights& m) {
    const ModelConfig c = c_;
    const int64_t nope = c.qk_nope_head_dim, v = c.v_head_dim, lora = c.kv_lora_rank;
    // Row `r` of part `part` (0: kv_b, 1: k_b, 2: v_b) from head blocks [nope + v, lora].
    auto reader = [c, m, nope, v, lora](int part) -> RowReaderFactory {
      return [c, m, nope, v, lora, part] {
        auto head = std::make_shared<std::vector<float>>(size_t((nope + v) * lora));
        auto current = std::make_shared<int64_t>(-1);
        return [c, m, nope, v, lora, part, head, current](int64_t r, float* out) {
          const int64_t per_head = part == 0 ? nope + v : part == 1 ? lora : v;
          const int64_t h = r / per_head, i = r % per_head;
          if (*current != h) mla_kv_b_head_f32(c, m, h, head->data()), *current = h;
          if (part == 1) {
            for (int64_t k = 0; k < nope; ++k) out[k] = (*head)[size_t(k * lora + i)];
            return;
          }
          const float* src = head->data() + (part == 0 ? i : nope + i) * lora;
          std::copy(src, src + lora, out);
        };
      };
    };
    if (layout_ == MlaLayout::KvB) return add(s.gguf.name, s.shape, reader(0));
    const std::vector<WeightSpec> split = mla_split_specs(c, layer);
    add(split[0].gguf.name, split[0].shape, reader(1));
    add(split[1].gguf.name, split[1].shape, reader(2));
  }

  const ModelConfig& c_;
  GgufOutType type_;
  MlaLayout layout_;
  std::vector<Planned> items_;
  // The matrices of each stacked expert tensor, by GGUF name.
  std::map<std::string, std::shared_ptr<std::vector<WeightMatrix>>> stacked_;
};

std::string model_name(const std::string& path) {
  const std::filesystem::path p = std::filesystem::path(path).lexically_normal();
  const std::string name =
      p.filename().empty() ? p.parent_path().filename().string() : p.stem().string();
  return name.empty() ? "r1 model" : name;
}

// Writes one planned tensor's bytes in panels of ~1 MiB of f32 rows: the rows read in order (a
// reader may keep state from one row to the next), then converted on the thread pool (each row
// on its own, as ggml quantises them), then handed over.
void write_rows(const Planned& t, const GgufWriter::Sink& sink, Progress& progress, int64_t& done) {
  const RowReader read = t.rows();
  const int64_t len = t.shape.back(), rows = shape_numel(t.shape) / len;
  const int64_t panel = std::max<int64_t>(1, int64_t(kChunkBytes / 4) / len);
  const size_t out_row = row_bytes(t.type, len);
  std::vector<float> x(size_t(std::min(panel, rows) * len));  // [panel, len]
  std::string bytes;
  for (int64_t r0 = 0; r0 < rows; r0 += panel) {
    const int64_t n = std::min(panel, rows - r0);
    for (int64_t i = 0; i < n; ++i) read(r0 + i, x.data() + i * len);
    bytes.resize(size_t(n) * out_row);
    default_thread_pool().parallel_for(n, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        encode_row(t.type, x.data() + i * len, len, bytes.data() + size_t(i) * out_row);
    });
    sink(bytes.data(), bytes.size());
    done += int64_t(bytes.size());
    progress.update(done);
  }
}

}  // namespace

GgufExportReport export_gguf(const GgufExportOptions& o) {
  const ModelDir source = ModelDir::open(o.model);
  const std::unique_ptr<Model> model = source.load_model();
  ModelConfig c = model->config();
  if (!c.is_deepseek()) c.num_nextn_predict_layers = 0;
  if (c.num_nextn_predict_layers > 0 && !o.mtp) {
    log_note(o.model + ": the MTP layer is left out (--no-mtp)");
    c.num_nextn_predict_layers = 0;
  } else if (c.num_nextn_predict_layers > 0) {
    log_note(o.out +
             " holds the MTP layer as llama.cpp's nextn tensors (for --speculative); "
             "llama.cpp's deepseek2 loader refuses them (\"wrong number of tensors\"): "
             "--no-mtp writes a file without");
  }
  const bool from_gguf = source.is_gguf();
  const std::vector<float> rope_factors =
      from_gguf ? source.rope_freq_factors() : gguf_rope_freq_factors(c);

  GgufWriter writer(o.out);
  GgufMetadata& md = writer.metadata();
  add_gguf_model_metadata(c, o.layout, md);
  md.set("general.type", GgufValue("model"));
  md.set("general.name", GgufValue(model_name(o.model)));
  md.set("general.file_type", GgufValue(gguf_file_type(o.type)));
  md.set("general.quantization_version", GgufValue(kQuantizationVersion));
  namespace fs = std::filesystem;
  if (from_gguf) {
    copy_gguf_vocab(GgufFile::open(o.model), md);
  } else if (fs::exists(fs::path(o.model) / "tokenizer.json")) {
    add_gguf_vocab(o.model, c.vocab_size, md);
  } else {
    log_note(o.model + " has no tokenizer.json: the GGUF gets no tokenizer");
  }

  const std::vector<Planned> plan = Planner(c, o.type, c.is_deepseek() ? o.layout : MlaLayout::KvB)
                                        .plan(model->weights(), rope_factors);
  GgufExportReport report;
  for (const Planned& t : plan) {
    report.tensor_bytes += writer.tensor_bytes(t.name, t.type, t.shape);
    report.types[ggml_type_name(uint32_t(t.type))]++;
  }
  report.tensors = int64_t(plan.size());
  Progress progress("writing " + o.out, int64_t(report.tensor_bytes), "MB", 1e6, o.progress);
  int64_t done = 0;
  for (const Planned& t : plan)
    writer.add_tensor(t.name, t.type, t.shape, [&t, &progress, &done](const GgufWriter::Sink& s) {
      write_rows(t, s, progress, done);
    });
  writer.write();
  progress.finish();
  return report;
}

}  // namespace r1
