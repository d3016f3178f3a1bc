// `r1 info`: architecture and size math of a checkpoint directory, a GGUF file or a preset:
// parameters total and active per token, weight bytes read per decoded token, KV-cache bytes per
// token as cached and as a naive per-head cache would need.
#include <cstdio>
#include <filesystem>

#include "checkpoint/config_json.h"
#include "checkpoint/model_dir.h"
#include "checkpoint/presets.h"
#include "cli/commands.h"
#include "core/error.h"
#include "core/si_units.h"
#include "infer/kv_cache_report.h"
#include "infer/stored_weights.h"
#include "io/gguf_model_file.h"
#include "io/json_file.h"
#include "model/model.h"
#include "model/size_math.h"

namespace fs = std::filesystem;

namespace r1::cli {

namespace {

struct InfoArgs {
  std::string model, preset;
  bool json = false;
};

bool has_weights(const std::string& dir) {
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".safetensors" ||
        e.path().filename() == "model.safetensors.index.json")
      return true;
  return false;
}

// Bytes of a tensor under an assumed checkpoint dtype (config only, no weights present).
std::function<int64_t(const WeightSpec&)> assumed_bytes(const ModelConfig& c, size_t elem_size) {
  return [c, elem_size](const WeightSpec& s) {
    const int64_t n = shape_numel(s.shape);
    const bool fp8 = c.fp8 && (s.role == WeightRole::Linear || s.role == WeightRole::Expert);
    if (!fp8) return n * int64_t(elem_size);
    const int64_t scales = ((s.shape[0] + c.fp8_block_rows - 1) / c.fp8_block_rows) *
                           ((s.shape[1] + c.fp8_block_cols - 1) / c.fp8_block_cols);
    return n + 4 * scales;
  };
}

void print_report(const ModelConfig& c, const SizeReport& r, const std::string& source,
                  const std::string& weights, bool json) {
  if (json) {
    Json j = {{"source", source},
              {"architecture", arch_name(c.arch)},
              {"weights", weights},
              {"params_total", r.params_total},
              {"params_active_per_token", r.params_active},
              {"params_mtp", r.params_mtp},
              {"params_matmul_per_token", r.params_matmul},
              {"weight_bytes", r.weight_bytes},
              {"bytes_read_per_token", r.bytes_per_token},
              {"kv_cache_bytes_per_token", r.kv_bytes_per_token},
              {"kv_cache_bytes_per_token_naive", KvCache::naive_bytes_per_token(c)}};
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("model:            %s\n", source.c_str());
  std::printf("architecture:     %s  (layers %lld, hidden %lld, heads %lld, vocab %lld)\n",
              arch_name(c.arch), (long long)c.num_hidden_layers, (long long)c.hidden_size,
              (long long)c.num_attention_heads, (long long)c.vocab_size);
  if (c.is_deepseek()) {
    std::printf(
        "attention:        MLA (q_lora_rank %lld, kv_lora_rank %lld, nope/rope/v %lld/%lld/%lld)\n",
        (long long)c.q_lora_rank, (long long)c.kv_lora_rank, (long long)c.qk_nope_head_dim,
        (long long)c.qk_rope_head_dim, (long long)c.v_head_dim);
    if (c.n_routed_experts > 0)
      std::printf(
          "moe:              %lld routed (top %lld) + %lld shared, first %lld layers dense\n",
          (long long)c.n_routed_experts, (long long)c.num_experts_per_tok,
          (long long)c.n_shared_experts, (long long)c.first_k_dense_replace);
    std::printf("mtp layers:       %lld (%s parameters)\n", (long long)c.num_nextn_predict_layers,
                si_units(double(r.params_mtp), "").c_str());
  } else {
    std::printf("attention:        GQA (%lld heads, %lld kv heads, head_dim %lld)\n",
                (long long)c.num_attention_heads, (long long)c.num_key_value_heads,
                (long long)c.head_dim);
  }
  std::printf("weights:          %s\n", weights.c_str());
  std::printf("parameters:       %s total, %s active per token\n",
              si_units(double(r.params_total), "").c_str(),
              si_units(double(r.params_active), "").c_str());
  std::printf("weight bytes:     %s\n", si_units(double(r.weight_bytes), "B").c_str());
  std::printf("read per token:   %s of weights per decoded token\n",
              si_units(double(r.bytes_per_token), "B").c_str());
  std::printf("%s", kv_cache_summary(c, "kv cache:         ").c_str());
}

void run_info(const InfoArgs& a) {
  if (a.model.empty() == a.preset.empty())
    throw UsageError("give exactly one of --model DIR|FILE.gguf or --preset NAME");
  if (!a.preset.empty()) {
    const Preset& p = find_preset(a.preset);
    const size_t elem = 2;
    print_report(
        p.config, size_report(p.config, assumed_bytes(p.config, elem)), "preset " + p.name,
        p.config.fp8 ? "none (size math; fp8 projections, bf16 rest)" : "none (size math; bf16)",
        a.json);
    return;
  }
  const bool gguf = is_gguf_path(a.model);
  if (!gguf && !fs::is_directory(a.model))
    throw IoError(a.model + ": not a directory or a GGUF file");
  if (!gguf && !has_weights(a.model)) {
    const Json raw = read_json_file(a.model + "/config.json");
    const ModelConfig c = parse_model_config(raw, a.model + "/config.json");
    const std::string torch_dtype = raw.contains("torch_dtype") && raw["torch_dtype"].is_string()
                                        ? raw["torch_dtype"].get<std::string>()
                                        : "bfloat16";
    const bool f32 = torch_dtype == "float32";
    print_report(
        c, size_report(c, assumed_bytes(c, f32 ? 4 : 2)), a.model,
        "none (config only; size math for " + (c.fp8 ? std::string("fp8") : torch_dtype) + ")",
        a.json);
    return;
  }
  auto model = ModelDir::open(a.model).load_model();
  const ModelConfig& c = model->config();
  const TensorSource& tensors = model->tensors();
  std::map<std::string, int> dtypes;
  auto stored = [&](const WeightSpec& s) { return stored_weight_bytes(tensors, s, &dtypes); };
  const SizeReport r = size_report(c, stored);
  std::string summary;
  for (const auto& [name, count] : dtypes)
    summary += (summary.empty() ? "" : ", ") + name + " x" + std::to_string(count);
  print_report(c, r, a.model, summary, a.json);
}

}  // namespace

void add_info(CLI::App& app) {
  auto args = std::make_shared<InfoArgs>();
  CLI::App* cmd = app.add_subcommand("info", "Architecture and size math of a model");
  cmd->add_option("--model", args->model, "checkpoint directory or .gguf file");
  cmd->add_option("--preset", args->preset, "preset name (size math only)");
  cmd->add_flag("--json", args->json, "print a JSON object");
  cmd->callback([args] { run_info(*args); });
}

}  // namespace r1::cli
