// config.json for deepseek_v3/v2, qwen2 and llama: typed parsing, defaults as in Hugging Face
// transformers, validation against hostile values, and writing it back in HF form.
#include "checkpoint/config_json.h"

#include <cmath>
#include <filesystem>
#include <optional>
#include <utility>
#include <vector>

#include "core/error.h"

namespace r1 {

namespace {

// Caps well above every released model, low enough that no product of sizes overflows int64
// and that a hostile config cannot make the loader or `r1 init` ask for absurd memory.
constexpr int64_t kMaxVocab = int64_t(1) << 24;
constexpr int64_t kMaxHidden = int64_t(1) << 16;
constexpr int64_t kMaxIntermediate = int64_t(1) << 20;
constexpr int64_t kMaxLayers = 1024;
constexpr int64_t kMaxHeads = 1024;
constexpr int64_t kMaxHeadDim = 4096;
constexpr int64_t kMaxRank = int64_t(1) << 16;
constexpr int64_t kMaxExperts = 4096;
constexpr int64_t kMaxPositions = int64_t(1) << 24;
constexpr int64_t kMaxMtpLayers = 16;
constexpr int64_t kMaxFp8Block = int64_t(1) << 16;
constexpr double kMaxParams = 17592186044416.0;  // 2^44, ~26x DeepSeek-V3
constexpr double kMaxScale = 1e6;

template <typename T>
using Choices = std::vector<std::pair<const char*, T>>;

const Choices<Arch> kArchs = {{"deepseek_v3", Arch::DeepseekV3},
                              {"deepseek_v2", Arch::DeepseekV2},
                              {"qwen2", Arch::Qwen2},
                              {"llama", Arch::Llama}};
const Choices<TopkMethod> kTopkMethods = {{"greedy", TopkMethod::Greedy},
                                          {"group_limited_greedy", TopkMethod::GroupLimitedGreedy},
                                          {"noaux_tc", TopkMethod::NoauxTc}};
const Choices<ScoringFunc> kScoringFuncs = {{"softmax", ScoringFunc::Softmax},
                                            {"sigmoid", ScoringFunc::Sigmoid}};

template <typename T>
const char* choice_name(const Choices<T>& choices, T v) {
  for (const auto& [name, value] : choices)
    if (value == v) return name;
  assert_fail("enum value has a name", __FILE__, __LINE__, "");
}

template <typename T>
std::string choice_list(const Choices<T>& choices) {
  std::string out;
  for (size_t i = 0; i < choices.size(); ++i)
    out += std::string(i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i].first;
  return out;
}

// A string value in single quotes, escaped like JSON (the preview may cut the closing quote).
std::string quote(const std::string& s) {
  std::string d = json_preview(Json(s));
  std::string out = "'";
  out += d.size() >= 2 && d.back() == '"' ? d.substr(1, d.size() - 2) : d.substr(1);
  out += "'";
  return out;
}

std::string num_str(double v) {
  return json_preview(Json(v));
}

// Typed access to the fields of one JSON object. A null field counts as absent (HF writes
// null for "not used"). Every failure is a ConfigError "<path>: field '<name>': ...".
class Fields {
 public:
  Fields(const Json& j, const std::string& path, std::string prefix = "")
      : j_(j), path_(path), prefix_(std::move(prefix)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& msg) const {
    throw ConfigError(path_ + ": field '" + prefix_ + field + "': " + msg);
  }
  // Reports the value as the file spells it (or the default when the field is absent).
  void require(bool ok, const char* field, double value, const std::string& expected) const {
    if (ok) return;
    const Json* v = find(field);
    fail(field, "value " + (v ? json_preview(*v) : num_str(value)) + " is out of range (expected " +
                    expected + ")");
  }

  const Json* find(const char* name) const {
    auto it = j_.find(name);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }
  const Json& get(const char* name) const {
    const Json* v = find(name);
    if (!v) fail(name, "missing (required)");
    return *v;
  }

  int64_t integer(const char* name, int64_t lo, int64_t hi) const {
    const Json& v = get(name);
    std::optional<int64_t> x;
    if (v.is_number_unsigned()) {
      if (v.get<uint64_t>() > uint64_t(hi))
        x = hi + 1;  // out of range, reported below
      else
        x = int64_t(v.get<uint64_t>());
    } else if (v.is_number_integer()) {
      x = v.get<int64_t>();
    } else if (v.is_number_float() && std::nearbyint(v.get<double>()) == v.get<double>() &&
               std::fabs(v.get<double>()) < 9007199254740992.0) {
      x = int64_t(v.get<double>());
    }
    if (!x)
      fail(name, std::string("expected an integer, got ") + v.type_name() + " " + json_preview(v));
    if (*x < lo || *x > hi)
      fail(name, "value " + json_preview(v) + " is out of range (expected " + std::to_string(lo) +
                     ".." + std::to_string(hi) + ")");
    return *x;
  }
  int64_t integer_or(const char* name, int64_t def, int64_t lo, int64_t hi) const {
    return find(name) ? integer(name, lo, hi) : def;
  }

  double number_or(const char* name, double def) const {
    const Json* v = find(name);
    if (!v) return def;
    if (!v->is_number())
      fail(name, std::string("expected a number, got ") + v->type_name() + " " + json_preview(*v));
    double x = v->get<double>();
    if (!std::isfinite(x)) fail(name, "value " + json_preview(*v) + " is not finite");
    return x;
  }
  double number(const char* name) const {
    get(name);
    return number_or(name, 0.0);
  }

  bool boolean_or(const char* name, bool def) const {
    const Json* v = find(name);
    if (!v) return def;
    if (!v->is_boolean())
      fail(name,
           std::string("expected true or false, got ") + v->type_name() + " " + json_preview(*v));
    return v->get<bool>();
  }

  std::string string_or(const char* name, const std::string& def) const {
    const Json* v = find(name);
    if (!v) return def;
    if (!v->is_string())
      fail(name, std::string("expected a string, got ") + v->type_name() + " " + json_preview(*v));
    return v->get<std::string>();
  }

  template <typename T>
  T choice(const char* name, std::optional<T> def, const Choices<T>& choices) const {
    if (!find(name) && def) return *def;
    if (!find(name)) fail(name, "missing (expected " + choice_list(choices) + ")");
    std::string s = string_or(name, "");
    for (const auto& [n, value] : choices)
      if (s == n) return value;
    fail(name, "unknown value " + quote(s) + " (expected " + choice_list(choices) + ")");
  }

  // A field that must keep the one value we implement, e.g. hidden_act "silu".
  void only(const char* name, const std::string& supported) const {
    std::string s = string_or(name, supported);
    if (s != supported)
      fail(name, "unsupported value " + quote(s) + " (expected " + supported + ")");
  }
  void must_be_false(const char* name, const char* arch) const {
    if (boolean_or(name, false)) fail(name, std::string("true is unsupported for ") + arch);
  }

 private:
  const Json& j_;
  const std::string& path_;
  std::string prefix_;
};

void parse_common(const Fields& f, ModelConfig& c) {
  c.vocab_size = f.integer("vocab_size", 1, kMaxVocab);
  c.hidden_size = f.integer("hidden_size", 1, kMaxHidden);
  c.intermediate_size = f.integer("intermediate_size", 1, kMaxIntermediate);
  c.num_hidden_layers = f.integer("num_hidden_layers", 1, kMaxLayers);
  c.num_attention_heads = f.integer("num_attention_heads", 1, kMaxHeads);
  c.num_key_value_heads =
      f.integer_or("num_key_value_heads", c.num_attention_heads, 1, c.num_attention_heads);
  if (c.num_attention_heads % c.num_key_value_heads != 0)
    f.fail("num_key_value_heads", "num_attention_heads " + std::to_string(c.num_attention_heads) +
                                      " is not a multiple of " +
                                      std::to_string(c.num_key_value_heads));
  int64_t default_positions = c.is_deepseek() ? 4096 : c.arch == Arch::Qwen2 ? 32768 : 2048;
  c.max_position_embeddings =
      f.integer_or("max_position_embeddings", default_positions, 1, kMaxPositions);
  c.rms_norm_eps = f.number_or("rms_norm_eps", 1e-6);
  f.require(c.rms_norm_eps > 0 && c.rms_norm_eps < 1, "rms_norm_eps", c.rms_norm_eps,
            "0 < rms_norm_eps < 1");
  c.rope.theta = f.number_or("rope_theta", 10000.0);
  f.require(c.rope.theta > 0, "rope_theta", c.rope.theta, "> 0");
  c.tie_word_embeddings = f.boolean_or("tie_word_embeddings", false);
  f.only("hidden_act", "silu");
}

void parse_dense(const Fields& f, ModelConfig& c) {
  if (f.find("head_dim")) {
    c.head_dim = f.integer("head_dim", 1, kMaxHeadDim);
  } else if (c.hidden_size % c.num_attention_heads != 0) {
    f.fail("num_attention_heads",
           "hidden_size " + std::to_string(c.hidden_size) + " is not divisible by " +
               std::to_string(c.num_attention_heads) + " and head_dim is not given");
  } else {
    c.head_dim = c.hidden_size / c.num_attention_heads;
  }
  if (c.head_dim % 2 != 0)
    f.fail("head_dim", "value " + std::to_string(c.head_dim) + " must be even (rotary pairs)");
  if (c.arch == Arch::Qwen2) {
    c.attention_bias = true;  // Qwen2 always has q/k/v biases, whatever the field says
    f.must_be_false("mlp_bias", "qwen2");
    f.must_be_false("use_sliding_window", "qwen2");
  } else {
    c.attention_bias = f.boolean_or("attention_bias", false);
    c.mlp_bias = f.boolean_or("mlp_bias", false);
  }
}

void check_routing(const Fields& f, const ModelConfig& c) {
  int64_t e = c.n_routed_experts;
  if (e % c.n_group != 0)
    f.fail("n_group", "n_routed_experts " + std::to_string(e) + " is not divisible by n_group " +
                          std::to_string(c.n_group));
  int64_t per_group = e / c.n_group;
  if (c.topk_method != TopkMethod::Greedy && c.num_experts_per_tok > c.topk_group * per_group)
    f.fail("num_experts_per_tok", "value " + std::to_string(c.num_experts_per_tok) +
                                      " exceeds topk_group x experts " +
                                      "per group = " + std::to_string(c.topk_group * per_group));
  if (c.topk_method == TopkMethod::NoauxTc && per_group < 2)
    f.fail("n_group",
           "noaux_tc scores a group by its top-2 experts, so it needs at least 2 "
           "experts per group, got n_routed_experts / n_group = " +
               std::to_string(per_group));
}

void parse_deepseek(const Fields& f, ModelConfig& c) {
  bool v3 = c.arch == Arch::DeepseekV3;
  const char* arch = arch_name(c.arch);
  f.must_be_false("attention_bias", arch);
  f.must_be_false("mlp_bias", arch);
  c.q_lora_rank = f.integer_or("q_lora_rank", 0, 0, kMaxRank);
  c.kv_lora_rank = f.integer("kv_lora_rank", 1, kMaxRank);
  c.qk_nope_head_dim = f.integer("qk_nope_head_dim", 1, kMaxHeadDim);
  c.qk_rope_head_dim = f.integer("qk_rope_head_dim", 2, kMaxHeadDim);
  if (c.qk_rope_head_dim % 2 != 0)
    f.fail("qk_rope_head_dim",
           "value " + std::to_string(c.qk_rope_head_dim) + " must be even (rotary pairs)");
  c.v_head_dim = f.integer("v_head_dim", 1, kMaxHeadDim);

  c.n_routed_experts = f.integer_or("n_routed_experts", 0, 0, kMaxExperts);
  bool moe = c.n_routed_experts > 0;
  c.n_shared_experts = f.integer_or("n_shared_experts", 0, 0, kMaxExperts);
  c.num_experts_per_tok = moe ? f.integer("num_experts_per_tok", 1, c.n_routed_experts)
                              : f.integer_or("num_experts_per_tok", 0, 0, kMaxExperts);
  c.moe_intermediate_size = moe ? f.integer("moe_intermediate_size", 1, kMaxIntermediate)
                                : f.integer_or("moe_intermediate_size", 0, 0, kMaxIntermediate);
  c.n_group = f.integer_or("n_group", 1, 1, kMaxExperts);
  c.topk_group = f.integer_or("topk_group", 1, 1, c.n_group);
  c.topk_method = f.choice(
      "topk_method", std::optional(v3 ? TopkMethod::NoauxTc : TopkMethod::Greedy), kTopkMethods);
  c.scoring_func =
      f.choice("scoring_func", std::optional(v3 ? ScoringFunc::Sigmoid : ScoringFunc::Softmax),
               kScoringFuncs);
  c.norm_topk_prob = f.boolean_or("norm_topk_prob", false);
  c.routed_scaling_factor = f.number_or("routed_scaling_factor", 1.0);
  f.require(c.routed_scaling_factor > 0 && c.routed_scaling_factor <= kMaxScale,
            "routed_scaling_factor", c.routed_scaling_factor, "0 < x <= 1e6");
  c.first_k_dense_replace = f.integer_or("first_k_dense_replace", 0, 0, c.num_hidden_layers);
  c.moe_layer_freq = f.integer_or("moe_layer_freq", 1, 1, kMaxLayers);
  c.num_nextn_predict_layers = f.integer_or("num_nextn_predict_layers", 0, 0, kMaxMtpLayers);
  if (moe) check_routing(f, c);
}

// The fields every rope scaling type has: factor and the original context length.
void parse_scaling_base(const Fields& r, RopeScaling type, int64_t default_original,
                        RopeConfig& rope) {
  rope.type = type;
  rope.factor = r.number("factor");
  r.require(rope.factor >= 1 && rope.factor <= kMaxScale, "factor", rope.factor,
            "1 <= factor <= 1e6");
  rope.original_max_position_embeddings =
      r.integer_or("original_max_position_embeddings", default_original, 1, kMaxPositions);
}

void parse_yarn(const Fields& r, RopeConfig& rope) {
  parse_scaling_base(r, RopeScaling::Yarn, 4096, rope);
  rope.beta_fast = r.number_or("beta_fast", 32.0);
  r.require(rope.beta_fast > 0, "beta_fast", rope.beta_fast, "> 0");
  rope.beta_slow = r.number_or("beta_slow", 1.0);
  r.require(rope.beta_slow > 0, "beta_slow", rope.beta_slow, "> 0");
  rope.mscale = r.number_or("mscale", 1.0);
  r.require(rope.mscale >= 0, "mscale", rope.mscale, ">= 0");
  rope.mscale_all_dim = r.number_or("mscale_all_dim", 0.0);
  r.require(rope.mscale_all_dim >= 0, "mscale_all_dim", rope.mscale_all_dim, ">= 0");
}

void parse_llama3(const Fields& r, RopeConfig& rope) {
  parse_scaling_base(r, RopeScaling::Llama3, 8192, rope);
  rope.low_freq_factor = r.number_or("low_freq_factor", 1.0);
  r.require(rope.low_freq_factor > 0, "low_freq_factor", rope.low_freq_factor, "> 0");
  rope.high_freq_factor = r.number_or("high_freq_factor", 4.0);
  // The smoothing ramp divides by high_freq_factor - low_freq_factor.
  r.require(rope.high_freq_factor > rope.low_freq_factor, "high_freq_factor", rope.high_freq_factor,
            "> low_freq_factor");
}

void parse_rope_scaling(const Fields& f, const std::string& path, RopeConfig& rope) {
  const Json* rs = f.find("rope_scaling");
  if (!rs) return;
  if (!rs->is_object())
    f.fail("rope_scaling", std::string("expected an object or null, got ") + rs->type_name());
  Fields r(*rs, path, "rope_scaling.");
  const char* key = r.find("rope_type") ? "rope_type" : "type";
  std::string type = r.string_or(key, "");
  if (type == "default") return;
  if (type == "yarn") return parse_yarn(r, rope);
  if (type == "llama3") return parse_llama3(r, rope);
  if (!r.find(key)) r.fail("type", "missing (expected yarn, llama3 or default)");
  r.fail(key, "unknown value " + quote(type) + " (expected yarn, llama3 or default)");
}

void parse_quantization(const Fields& f, const std::string& path, ModelConfig& c) {
  const Json* q = f.find("quantization_config");
  if (!q) return;
  if (!q->is_object())
    f.fail("quantization_config", std::string("expected an object or null, got ") + q->type_name());
  Fields qf(*q, path, "quantization_config.");
  qf.get("quant_method");
  qf.only("quant_method", "fp8");
  qf.only("fmt", "e4m3");
  qf.only("activation_scheme", "dynamic");
  if (const Json* b = qf.find("weight_block_size")) {
    auto positive = [](const Json& x) {
      return x.is_number_integer() && x.get<int64_t>() >= 1 && x.get<int64_t>() <= kMaxFp8Block;
    };
    if (!b->is_array() || b->size() != 2 || !positive((*b)[0]) || !positive((*b)[1]))
      qf.fail("weight_block_size", "expected an array of 2 integers in 1.." +
                                       std::to_string(kMaxFp8Block) + ", got " + json_preview(*b));
    c.fp8_block_rows = (*b)[0].get<int64_t>();
    c.fp8_block_cols = (*b)[1].get<int64_t>();
  }
  c.fp8 = true;
}

// Parameters per layer and in total, in double so that nothing can overflow.
double param_count(const ModelConfig& c) {
  double d = double(c.hidden_size), h = double(c.num_attention_heads);
  double attn;
  if (c.is_deepseek()) {
    double qd = h * double(c.q_head_dim());
    attn = (c.q_lora_rank > 0 ? d * double(c.q_lora_rank) + double(c.q_lora_rank) * qd : d * qd) +
           d * double(c.kv_lora_rank + c.qk_rope_head_dim) +
           double(c.kv_lora_rank) * h * double(c.qk_nope_head_dim + c.v_head_dim) +
           h * double(c.v_head_dim) * d;
  } else {
    double hd = double(c.head_dim);
    attn = 2 * d * h * hd + 2 * d * double(c.num_key_value_heads) * hd;
  }
  double dense_mlp = 3 * d * double(c.intermediate_size);
  double moe_mlp =
      3 * d * double(c.moe_intermediate_size) * double(c.n_routed_experts + c.n_shared_experts) +
      d * double(c.n_routed_experts);
  double layers = double(c.num_hidden_layers + c.num_nextn_predict_layers);
  double embed = double(c.vocab_size) * d * (c.tie_word_embeddings ? 1 : 2);
  return embed + layers * (attn + std::max(dense_mlp, moe_mlp));
}

}  // namespace

ModelConfig parse_model_config(const Json& j, const std::string& path) {
  if (!j.is_object())
    throw ConfigError(path + ": expected a JSON object at the top level, got " + j.type_name());
  Fields f(j, path);
  ModelConfig c;
  c.arch = f.choice("model_type", std::optional<Arch>(), kArchs);
  parse_common(f, c);
  if (c.is_deepseek()) {
    parse_deepseek(f, c);
  } else {
    parse_dense(f, c);
  }
  parse_rope_scaling(f, path, c.rope);
  parse_quantization(f, path, c);
  double params = param_count(c);
  if (params > kMaxParams)
    throw ConfigError(path + ": the config describes about " + num_str(params) +
                      " parameters (limit 2^44); check hidden_size, intermediate_size, "
                      "num_hidden_layers, vocab_size and n_routed_experts");
  return c;
}

ModelConfig load_model_config(const std::string& path) {
  std::error_code ec;
  std::string file = std::filesystem::is_directory(path, ec) ? path + "/config.json" : path;
  return parse_model_config(read_json_file(file), file);
}

namespace {

Json rope_scaling_json(const RopeConfig& r) {
  switch (r.type) {
    case RopeScaling::None:
      return nullptr;
    case RopeScaling::Yarn:
      return {{"type", "yarn"},
              {"factor", r.factor},
              {"original_max_position_embeddings", r.original_max_position_embeddings},
              {"beta_fast", r.beta_fast},
              {"beta_slow", r.beta_slow},
              {"mscale", r.mscale},
              {"mscale_all_dim", r.mscale_all_dim}};
    case RopeScaling::Llama3:
      return {{"rope_type", "llama3"},
              {"factor", r.factor},
              {"original_max_position_embeddings", r.original_max_position_embeddings},
              {"low_freq_factor", r.low_freq_factor},
              {"high_freq_factor", r.high_freq_factor}};
  }
  return nullptr;
}

Json nullable(int64_t v) {
  return v == 0 ? Json(nullptr) : Json(v);
}

void deepseek_json(const ModelConfig& c, Json& j) {
  j["attention_bias"] = false;
  j["q_lora_rank"] = nullable(c.q_lora_rank);
  j["kv_lora_rank"] = c.kv_lora_rank;
  j["qk_nope_head_dim"] = c.qk_nope_head_dim;
  j["qk_rope_head_dim"] = c.qk_rope_head_dim;
  j["v_head_dim"] = c.v_head_dim;
  j["n_routed_experts"] = nullable(c.n_routed_experts);
  j["n_shared_experts"] = c.n_shared_experts;
  j["num_experts_per_tok"] = c.num_experts_per_tok;
  j["moe_intermediate_size"] = c.moe_intermediate_size;
  j["n_group"] = c.n_group;
  j["topk_group"] = c.topk_group;
  j["topk_method"] = choice_name(kTopkMethods, c.topk_method);
  j["scoring_func"] = choice_name(kScoringFuncs, c.scoring_func);
  j["norm_topk_prob"] = c.norm_topk_prob;
  j["routed_scaling_factor"] = c.routed_scaling_factor;
  j["first_k_dense_replace"] = c.first_k_dense_replace;
  j["moe_layer_freq"] = c.moe_layer_freq;
  j["num_nextn_predict_layers"] = c.num_nextn_predict_layers;
  j["ep_size"] = 1;
}

const char* architecture_class(Arch a) {
  switch (a) {
    case Arch::DeepseekV3:
      return "DeepseekV3ForCausalLM";
    case Arch::DeepseekV2:
      return "DeepseekV2ForCausalLM";
    case Arch::Qwen2:
      return "Qwen2ForCausalLM";
    case Arch::Llama:
      return "LlamaForCausalLM";
  }
  return "";
}

}  // namespace

Json model_config_to_json(const ModelConfig& c) {
  Json j = Json::object();
  j["architectures"] = Json::array({architecture_class(c.arch)});
  j["model_type"] = arch_name(c.arch);
  j["vocab_size"] = c.vocab_size;
  j["hidden_size"] = c.hidden_size;
  j["intermediate_size"] = c.intermediate_size;
  j["num_hidden_layers"] = c.num_hidden_layers;
  j["num_attention_heads"] = c.num_attention_heads;
  j["num_key_value_heads"] = c.num_key_value_heads;
  j["max_position_embeddings"] = c.max_position_embeddings;
  j["rms_norm_eps"] = c.rms_norm_eps;
  j["rope_theta"] = c.rope.theta;
  j["rope_scaling"] = rope_scaling_json(c.rope);
  j["tie_word_embeddings"] = c.tie_word_embeddings;
  j["hidden_act"] = "silu";
  j["initializer_range"] = 0.02;
  j["attention_dropout"] = 0.0;
  j["use_cache"] = true;
  if (c.is_deepseek()) {
    deepseek_json(c, j);
  } else {
    j["head_dim"] = c.head_dim;
    j["attention_bias"] = c.attention_bias;
    if (c.arch == Arch::Llama) j["mlp_bias"] = c.mlp_bias;
    if (c.arch == Arch::Qwen2) j["use_sliding_window"] = false;
  }
  if (c.fp8)
    j["quantization_config"] = {{"quant_method", "fp8"},
                                {"fmt", "e4m3"},
                                {"activation_scheme", "dynamic"},
                                {"weight_block_size", {c.fp8_block_rows, c.fp8_block_cols}}};
  return j;
}

}  // namespace r1
