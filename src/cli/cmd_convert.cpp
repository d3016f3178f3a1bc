// `r1 convert`: a checkpoint directory (or a GGUF file) to a GGUF file that llama.cpp loads, in
// f32, f16, bf16, q8_0, q4_0 or a k-quant mixture as llama-quantize writes it (q2_k, q3_k_m,
// q4_k_m, q5_k_m, q6_k, iq4_xs), with the tokenizer; or either to a plain model directory in
// f32, f16 or bf16 (an --out without .gguf; a GGUF's weights dequantised, its vocabulary written
// as tokenizer.json).
#include <chrono>
#include <cstdio>

#include "checkpoint/gguf_export.h"
#include "checkpoint/model_export.h"
#include "cli/commands.h"
#include "core/error.h"
#include "train/run_output.h"

namespace r1::cli {

namespace {

struct ConvertArgs {
  std::string model, out, type = "f16", layout = "kv_b";
  bool quiet = false, overwrite = false, no_mtp = false;
};

bool ends_with_gguf(const std::string& path) {
  return path.size() >= 5 && path.compare(path.size() - 5, 5, ".gguf") == 0;
}

void run_export_dir(const ConvertArgs& a) {
  const DType dtype = a.type == "f32"    ? DType::F32
                      : a.type == "f16"  ? DType::F16
                      : a.type == "bf16" ? DType::BF16
                                         : throw UsageError("--type '" + a.type +
                                                            "': a model directory is written in "
                                                            "f32, f16 or bf16");
  const ModelExportReport r = export_model_dir(a.model, a.out, dtype);
  std::printf("wrote %s: %lld tensors, %.2f MB of tensor data (%s)\n", a.out.c_str(),
              (long long)r.tensors, double(r.bytes) / 1e6, a.type.c_str());
}

void run_convert(const ConvertArgs& a) {
  if (!a.overwrite) refuse_existing_output("--out", a.out, kOverwriteRemedy);
  if (!ends_with_gguf(a.out)) {
    if (a.no_mtp) throw UsageError("--no-mtp applies to a .gguf --out only");
    if (a.overwrite) remove_replaced_model_dir(a.out);
    return run_export_dir(a);
  }
  GgufExportOptions o;
  o.model = a.model;
  o.out = a.out;
  o.type = parse_gguf_out_type(a.type);
  if (a.layout != "kv_b" && a.layout != "k_b_v_b")
    throw UsageError("--layout '" + a.layout + "' is not one of kv_b, k_b_v_b");
  o.layout = a.layout == "kv_b" ? MlaLayout::KvB : MlaLayout::KbVb;
  o.mtp = !a.no_mtp;
  o.progress = !a.quiet;
  const auto t0 = std::chrono::steady_clock::now();
  const GgufExportReport r = export_gguf(o);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::string types;
  for (const auto& [name, count] : r.types)
    types += (types.empty() ? "" : ", ") + name + " x" + std::to_string(count);
  std::printf("wrote %s: %lld tensors (%s), %.2f MB of tensor data in %.2f s\n", a.out.c_str(),
              (long long)r.tensors, types.c_str(), double(r.tensor_bytes) / 1e6, s);
}

}  // namespace

void add_convert(CLI::App& app) {
  auto args = std::make_shared<ConvertArgs>();
  CLI::App* cmd = app.add_subcommand("convert", "Write a model as GGUF (llama.cpp's format) or as a model directory in another dtype");
  cmd->add_option("--model", args->model, "checkpoint directory or .gguf file")->required();
  cmd->add_option("--out", args->out, "output .gguf file, or a directory (plain HF model: f32 | f16 | bf16)")->required();
  cmd->add_option("--type", args->type,
                  "f32 | f16 | bf16 | q8_0 | q4_0 | q2_k | q3_k_m | q4_k_m | q5_k_m | q6_k | iq4_xs "
                  "(default f16; the quantised types mix tensor types as llama-quantize does)");
  cmd->add_option("--layout", args->layout,
                  "deepseek2 MLA layout: kv_b (attn_kv_b, loads in every llama.cpp) or k_b_v_b "
                  "(attn_k_b/attn_v_b, newer llama.cpp); default kv_b");
  cmd->add_flag("--no-mtp", args->no_mtp,
                "GGUF: leave a DeepSeek model's MTP layer out (the llama.cpp builds that know no "
                "deepseek2 nextn blocks refuse files with it; r1's --speculative needs it)");
  cmd->add_flag("--quiet", args->quiet, "no progress bar");
  cmd->add_flag("--overwrite", args->overwrite,
                "replace what --out holds (refused without it when it is not empty)");
  cmd->callback([args] { run_convert(*args); });
}

}  // namespace r1::cli
