// GGUF metadata -> config.json fields (then validated by parse_model_config) and back. Keys and
// value types follow llama.cpp, which checks the type of every key it reads (u32 counts, f32
// reals, bool flags).
#include "checkpoint/gguf_config.h"

#include <cmath>

#include "checkpoint/config_json.h"
#include "core/error.h"
#include "core/log.h"
#include "model/rope_freqs.h"

namespace r1 {

namespace {

constexpr int64_t kMaxCount = int64_t(1) << 24;  // every count key; parse_model_config caps further
constexpr uint32_t kGatingSoftmax = 1, kGatingSigmoid = 2;  // LLAMA_EXPERT_GATING_FUNC_TYPE_*
constexpr double kYarnLogMulPerMscale = 0.1;  // convert_hf_to_gguf: log_mul = 0.1 * mscale_all_dim

// Typed, range-checked reads of "<arch>.<key>" naming the file and the key.
class ArchKeys {
 public:
  ArchKeys(const GgufFile& f, std::string arch) : f_(f), arch_(std::move(arch)) {}

  std::string key(const char* k) const { return arch_ + "." + k; }

  int64_t count(const char* k, int64_t lo) const {
    std::optional<int64_t> v = opt_count(k, lo);
    if (!v) throw FormatError(f_.path() + ": metadata key '" + key(k) + "' is missing");
    return *v;
  }
  std::optional<int64_t> opt_count(const char* k, int64_t lo) const {
    std::optional<int64_t> v = f_.find_int(key(k));
    if (v && (*v < lo || *v > kMaxCount))
      throw FormatError(f_.path() + ": metadata key '" + key(k) + "' value " + std::to_string(*v) +
                        " is out of range (expected " + std::to_string(lo) + ".." +
                        std::to_string(kMaxCount) + ")");
    return v;
  }
  double real(const char* k, double def) const {
    const double v = f_.find_float(key(k)).value_or(def);
    if (!std::isfinite(v))
      throw FormatError(f_.path() + ": metadata key '" + key(k) + "' is not a finite number");
    return v;
  }
  bool flag(const char* k, bool def) const { return f_.find_bool(key(k)).value_or(def); }
  [[noreturn]] void fail(const char* k, const std::string& msg) const {
    throw FormatError(f_.path() + ": metadata key '" + key(k) + "' " + msg);
  }

 private:
  const GgufFile& f_;
  std::string arch_;
};

bool has_tensor(const GgufFile& f, const std::string& name) {
  return f.find_tensor(name) != nullptr;
}

// The file's keys and tensors must agree on which blocks are MTP layers: a nextn tensor in a
// block before `first` (the decoder layers) is an error naming it.
void check_no_early_nextn(const GgufFile& f, const ArchKeys& k, int64_t first, int64_t blocks) {
  static const std::string nextn = ".nextn.";
  for (const GgufTensorInfo& t : f.tensors()) {
    if (t.name.rfind("blk.", 0) != 0) continue;
    const size_t dot = t.name.find('.', 4);
    if (dot == std::string::npos || t.name.compare(dot, nextn.size(), nextn) != 0) continue;
    const std::string block = t.name.substr(4, dot - 4);
    const bool numbered = !block.empty() && block.size() <= 9 &&
                          block.find_first_not_of("0123456789") == std::string::npos;
    if (!numbered || std::stoll(block) < first)
      k.fail("nextn_predict_layers",
             "leaves MTP tensor " + quote_untrusted(t.name) +
                 " in a decoder layer (the MTP blocks are the last nextn_predict_layers of "
                 "block_count " +
                 std::to_string(blocks) + ")");
  }
}

// Whether any tensor of blocks [first, end) ("blk.N.*", nextn or not) is in the file: an MTP
// block with some tensors is loaded and checked tensor by tensor, one with none is left out.
bool has_mtp_tensors(const GgufFile& f, int64_t first, int64_t end) {
  for (int64_t b = first; b < end; ++b) {
    const std::string prefix = "blk." + std::to_string(b) + ".";
    for (const GgufTensorInfo& t : f.tensors())
      if (t.name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

void read_rope_scaling(const GgufFile& f, const ArchKeys& k, bool deepseek, Json& j) {
  const std::string type = f.find_string(k.key("rope.scaling.type")).value_or("none");
  if (type == "none") return;
  if (type != "yarn" || !deepseek)
    k.fail("rope.scaling.type", "'" + type + "' is not supported for this architecture (r1 reads " +
                                    "yarn for deepseek2; llama3 scaling comes as rope_freqs)");
  if (k.real("rope.scaling.attn_factor", 1.0) != 1.0)
    k.fail("rope.scaling.attn_factor", "must be 1 (r1 derives the YaRN scales from the factor)");
  const double mscale = k.real("rope.scaling.yarn_log_multiplier", 0.0) / kYarnLogMulPerMscale;
  j["rope_scaling"] = {
      {"type", "yarn"},
      {"factor", k.real("rope.scaling.factor", 1.0)},
      {"original_max_position_embeddings", k.count("rope.scaling.original_context_length", 1)},
      {"mscale", mscale},
      {"mscale_all_dim", mscale}};
}

void read_dense(const GgufFile& f, const ArchKeys& k, const std::string& arch, Json& j) {
  const int64_t D = j["hidden_size"], H = j["num_attention_heads"];
  const int64_t head_dim = k.opt_count("attention.key_length", 1).value_or(D / H);
  if (k.opt_count("attention.value_length", 1).value_or(head_dim) != head_dim)
    k.fail("attention.value_length", "differs from the key length (r1 needs equal head dims)");
  if (k.opt_count("rope.dimension_count", 1).value_or(head_dim) != head_dim)
    k.fail("rope.dimension_count", "differs from the head dim (partial rotary is not supported)");
  j["head_dim"] = head_dim;
  j["num_key_value_heads"] = k.opt_count("attention.head_count_kv", 1).value_or(H);
  if (arch == "llama") {
    j["attention_bias"] = has_tensor(f, "blk.0.attn_q.bias");
    j["mlp_bias"] = has_tensor(f, "blk.0.ffn_gate.bias");
  }
}

void read_moe(const GgufFile& f, const ArchKeys& k, Json& j) {
  const int64_t E = k.opt_count("expert_count", 0).value_or(0);
  if (E == 0) return;
  const uint32_t gating = uint32_t(k.opt_count("expert_gating_func", 0).value_or(kGatingSoftmax));
  if (gating != kGatingSoftmax && gating != kGatingSigmoid && gating != 0)
    k.fail("expert_gating_func",
           "value " + std::to_string(gating) + " is not supported (1 softmax or 2 sigmoid)");
  const bool sigmoid = gating == kGatingSigmoid;
  const bool bias = has_tensor(
      f, "blk." + std::to_string(int64_t(j["first_k_dense_replace"])) + ".exp_probs_b.bias");
  const bool norm = k.flag("expert_weights_norm", false);
  const int64_t groups = k.opt_count("expert_group_count", 1).value_or(1);
  const int64_t used_groups = k.opt_count("expert_group_used_count", 1).value_or(groups);
  j["n_routed_experts"] = E;
  j["num_experts_per_tok"] = k.count("expert_used_count", 1);
  j["n_shared_experts"] = k.opt_count("expert_shared_count", 0).value_or(0);
  j["moe_intermediate_size"] = k.count("expert_feed_forward_length", 1);
  j["routed_scaling_factor"] = k.real("expert_weights_scale", 1.0);
  j["norm_topk_prob"] = norm;
  j["scoring_func"] = sigmoid ? "sigmoid" : "softmax";
  j["n_group"] = groups;
  j["topk_group"] = used_groups;
  j["topk_method"] = bias ? "noaux_tc" : used_groups < groups ? "group_limited_greedy" : "greedy";
  // llama.cpp always multiplies the gate weights by expert_weights_scale, as V3 does; V2 skips
  // it after normalising. Either reading is the same when V2 does not normalise.
  j["model_type"] = sigmoid || bias || norm ? "deepseek_v3" : "deepseek_v2";
}

void read_deepseek(const GgufFile& f, const ArchKeys& k, Json& j) {
  const int64_t rope = k.count("rope.dimension_count", 2);
  const bool split = gguf_mla_layout(f) == MlaLayout::KbVb;
  const int64_t key_len = k.count(split ? "attention.key_length_mla" : "attention.key_length", 1);
  if (key_len <= rope)
    k.fail(split ? "attention.key_length_mla" : "attention.key_length",
           "value " + std::to_string(key_len) + " must exceed rope.dimension_count " +
               std::to_string(rope));
  j["qk_rope_head_dim"] = rope;
  j["qk_nope_head_dim"] = key_len - rope;
  j["v_head_dim"] = k.count(split ? "attention.value_length_mla" : "attention.value_length", 1);
  j["kv_lora_rank"] = k.count("attention.kv_lora_rank", 1);
  j["q_lora_rank"] = k.opt_count("attention.q_lora_rank", 0).value_or(0);
  if ((int64_t(j["q_lora_rank"]) > 0) != has_tensor(f, "blk.0.attn_q_a.weight"))
    k.fail("attention.q_lora_rank",
           "disagrees with the tensors (attn_q_a present: " +
               std::string(has_tensor(f, "blk.0.attn_q_a.weight") ? "yes)" : "no)"));
  j["num_key_value_heads"] = j["num_attention_heads"];
  j["first_k_dense_replace"] = k.opt_count("leading_dense_block_count", 0).value_or(0);
  j["model_type"] = "deepseek_v2";
  read_moe(f, k, j);
}

}  // namespace

const char* gguf_arch_name(Arch a) {
  return a == Arch::Qwen2 ? "qwen2" : a == Arch::Llama ? "llama" : "deepseek2";
}

MlaLayout gguf_mla_layout(const GgufFile& f) {
  return !has_tensor(f, "blk.0.attn_kv_b.weight") && has_tensor(f, "blk.0.attn_k_b.weight")
             ? MlaLayout::KbVb
             : MlaLayout::KvB;
}

ModelConfig gguf_model_config(const GgufFile& f) {
  const std::string arch = f.get_string("general.architecture");
  if (arch != "deepseek2" && arch != "qwen2" && arch != "llama")
    throw FormatError(f.path() + ": general.architecture '" + arch +
                      "' is not supported (r1 reads deepseek2, qwen2 and llama)");
  const ArchKeys k(f, arch);
  const GgufTensorInfo* embd = f.find_tensor("token_embd.weight");
  if (!embd || embd->shape.size() != 2)
    throw FormatError(f.path() + ": tensor 'token_embd.weight' is missing or not 2-D");
  const int64_t vocab = embd->shape[0];
  if (k.opt_count("vocab_size", 1).value_or(vocab) != vocab)
    k.fail("vocab_size", "disagrees with token_embd.weight's " + std::to_string(vocab) + " rows");
  const int64_t mtp = k.opt_count("nextn_predict_layers", 0).value_or(0);
  const int64_t blocks = k.count("block_count", 1);
  if (mtp >= blocks) k.fail("nextn_predict_layers", "leaves no decoder layers");
  const bool deepseek = arch == "deepseek2";
  check_no_early_nextn(f, k, blocks - mtp, blocks);
  const bool with_mtp = mtp > 0 && deepseek && has_mtp_tensors(f, blocks - mtp, blocks);
  if (mtp > 0 && !with_mtp)
    log_note(f.path() + ": " + k.key("nextn_predict_layers") + " is " + std::to_string(mtp) +
             (deepseek ? " but the file has no tensors of the MTP block(s) " +
                             std::to_string(blocks - mtp) + ".." + std::to_string(blocks - 1)
                       : std::string(" (r1 has MTP for deepseek2 only)")) +
             "; loading without MTP");
  Json j = {{"vocab_size", vocab},
            {"hidden_size", k.count("embedding_length", 1)},
            {"num_hidden_layers", blocks - mtp},
            {"num_nextn_predict_layers", with_mtp ? mtp : 0},
            {"num_attention_heads", k.count("attention.head_count", 1)},
            {"max_position_embeddings", k.opt_count("context_length", 1).value_or(4096)},
            {"rms_norm_eps", k.real("attention.layer_norm_rms_epsilon", 1e-6)},
            {"rope_theta", k.real("rope.freq_base", 10000.0)},
            {"tie_word_embeddings", !has_tensor(f, "output.weight")},
            {"hidden_act", "silu"}};
  const std::optional<int64_t> ff = k.opt_count("feed_forward_length", 1);
  if (deepseek) {
    read_deepseek(f, k, j);
    j["intermediate_size"] = ff.value_or(j.value("moe_intermediate_size", int64_t(1)));
  } else {
    j["model_type"] = arch;
    j["intermediate_size"] = ff ? *ff : k.count("feed_forward_length", 1);
    read_dense(f, k, arch, j);
  }
  read_rope_scaling(f, k, deepseek, j);
  return parse_model_config(j, f.path() + " (GGUF metadata)");
}

namespace {

void put_u32(GgufMetadata& md, const std::string& key, int64_t v) {
  md.set(key, GgufValue(uint32_t(v)));
}
void put_f32(GgufMetadata& md, const std::string& key, double v) {
  md.set(key, GgufValue(float(v)));
}

void check_exportable(const ModelConfig& c) {
  if (c.is_deepseek() && c.n_routed_experts > 0 && c.moe_layer_freq != 1)
    throw ConfigError("moe_layer_freq " + std::to_string(c.moe_layer_freq) +
                      " cannot be written to GGUF: llama.cpp's deepseek2 has MoE in every layer "
                      "after leading_dense_block_count");
  const RopeConfig& r = c.rope;
  if (r.type == RopeScaling::Yarn && (!c.is_deepseek() || r.mscale != r.mscale_all_dim ||
                                      r.beta_fast != 32.0 || r.beta_slow != 1.0))
    throw ConfigError(
        "this YaRN rope_scaling cannot be written to GGUF: llama.cpp supports it for deepseek2 "
        "with mscale == mscale_all_dim, beta_fast 32 and beta_slow 1");
  if (c.arch == Arch::Qwen2 && r.type != RopeScaling::None)
    throw ConfigError("qwen2 with rope_scaling cannot be written to GGUF by r1");
  if (c.is_deepseek() && c.n_routed_experts > 0 && c.topk_group < c.n_group)
    log_note("expert groups (n_group " + std::to_string(c.n_group) + ", topk_group " +
             std::to_string(c.topk_group) +
             ") are written as expert_group_count/expert_group_used_count; llama.cpp builds "
             "without those keys route over all experts");
}

void add_deepseek(const ModelConfig& c, MlaLayout layout, const std::string& a, GgufMetadata& md) {
  const bool split = layout == MlaLayout::KbVb;
  put_u32(md, a + ".leading_dense_block_count",
          c.n_routed_experts > 0 ? c.first_k_dense_replace : c.num_hidden_layers);
  put_u32(md, a + ".vocab_size", c.vocab_size);
  if (c.q_lora_rank > 0) put_u32(md, a + ".attention.q_lora_rank", c.q_lora_rank);
  put_u32(md, a + ".attention.kv_lora_rank", c.kv_lora_rank);
  // The split layout runs MLA as MQA over the latent: the "key" is the latent plus the rope part.
  put_u32(md, a + ".attention.key_length",
          split ? c.kv_lora_rank + c.qk_rope_head_dim : c.q_head_dim());
  put_u32(md, a + ".attention.value_length", split ? c.kv_lora_rank : c.v_head_dim);
  if (split) {
    put_u32(md, a + ".attention.key_length_mla", c.q_head_dim());
    put_u32(md, a + ".attention.value_length_mla", c.v_head_dim);
  }
  put_u32(md, a + ".expert_feed_forward_length", c.moe_intermediate_size);
  put_u32(md, a + ".expert_count", c.n_routed_experts);
  put_u32(md, a + ".expert_shared_count", c.n_shared_experts);
  // V2 does not scale the gate weights after normalising them; llama.cpp always scales.
  const bool v2_normalised = c.arch == Arch::DeepseekV2 && c.norm_topk_prob;
  put_f32(md, a + ".expert_weights_scale", v2_normalised ? 1.0 : c.routed_scaling_factor);
  md.set(a + ".expert_weights_norm", GgufValue(c.norm_topk_prob));
  put_u32(md, a + ".expert_gating_func",
          c.scoring_func == ScoringFunc::Sigmoid ? kGatingSigmoid : kGatingSoftmax);
  put_u32(md, a + ".expert_group_count", c.n_group);
  put_u32(md, a + ".expert_group_used_count", c.topk_group);
  put_u32(md, a + ".rope.dimension_count", c.qk_rope_head_dim);
  // llama.cpp reads yarn_log_multiplier for every deepseek2 file; 0 leaves the scales at 1.
  const bool yarn = c.rope.type == RopeScaling::Yarn;
  if (yarn) {
    md.set(a + ".rope.scaling.type", GgufValue("yarn"));
    put_f32(md, a + ".rope.scaling.factor", c.rope.factor);
    put_u32(md, a + ".rope.scaling.original_context_length",
            c.rope.original_max_position_embeddings);
  }
  put_f32(md, a + ".rope.scaling.yarn_log_multiplier",
          yarn ? kYarnLogMulPerMscale * c.rope.mscale_all_dim : 0.0);
}

}  // namespace

void add_gguf_model_metadata(const ModelConfig& c, MlaLayout layout, GgufMetadata& md) {
  check_exportable(c);
  const std::string a = gguf_arch_name(c.arch);
  md.set("general.architecture", GgufValue(a));
  // llama.cpp counts the MTP (nextn) blocks in block_count, after the decoder layers.
  const int64_t mtp = c.is_deepseek() ? c.num_nextn_predict_layers : 0;
  put_u32(md, a + ".block_count", c.num_hidden_layers + mtp);
  if (mtp > 0) put_u32(md, a + ".nextn_predict_layers", mtp);
  put_u32(md, a + ".context_length", c.max_position_embeddings);
  put_u32(md, a + ".embedding_length", c.hidden_size);
  put_u32(md, a + ".feed_forward_length", c.intermediate_size);
  put_u32(md, a + ".attention.head_count", c.num_attention_heads);
  put_u32(md, a + ".attention.head_count_kv",
          c.is_deepseek() ? (layout == MlaLayout::KbVb ? 1 : c.num_attention_heads)
                          : c.num_key_value_heads);
  put_f32(md, a + ".rope.freq_base", c.rope.theta);
  put_f32(md, a + ".attention.layer_norm_rms_epsilon", c.rms_norm_eps);
  if (c.is_deepseek()) {
    put_u32(md, a + ".expert_used_count", c.num_experts_per_tok);
    return add_deepseek(c, layout, a, md);
  }
  if (c.head_dim * c.num_attention_heads != c.hidden_size) {
    put_u32(md, a + ".attention.key_length", c.head_dim);
    put_u32(md, a + ".attention.value_length", c.head_dim);
  }
  if (c.arch == Arch::Llama) {
    put_u32(md, a + ".vocab_size", c.vocab_size);
    put_u32(md, a + ".rope.dimension_count", c.head_dim);
  }
}

std::vector<float> gguf_rope_freq_factors(const ModelConfig& c) {
  if (c.arch != Arch::Llama || c.rope.type != RopeScaling::Llama3) return {};
  RopeConfig plain = c.rope;
  plain.type = RopeScaling::None;
  const RopeFreqs base = rope_freqs(plain, c.head_dim), scaled = rope_freqs(c.rope, c.head_dim);
  std::vector<float> factors(base.inv_freq.size());
  for (size_t i = 0; i < factors.size(); ++i) factors[i] = base.inv_freq[i] / scaled.inv_freq[i];
  return factors;
}

}  // namespace r1
