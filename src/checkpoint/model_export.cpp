// Checkpoint -> plain model directory in another float dtype.
#include "checkpoint/model_export.h"

#include <filesystem>

#include "checkpoint/config_json.h"
#include "checkpoint/model_dir.h"
#include "core/error.h"
#include "io/json_file.h"
#include "io/safetensors.h"
#include "model/param_layout.h"

namespace r1 {

namespace fs = std::filesystem;

ModelExportReport export_model_dir(const std::string& model_dir, const std::string& out_dir,
                                   DType dtype) {
  if (dtype != DType::F32 && dtype != DType::F16 && dtype != DType::BF16)
    throw UsageError("a model directory is written in f32, f16 or bf16");
  const ModelDir source = ModelDir::open(model_dir);
  const ModelConfig& c = source.config();
  const ParamLayout layout(c);
  Tensor params = make_param_buffer(layout);
  source.load_params(layout, params.f32());

  ModelExportReport r;
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (auto& [name, t] : param_tensors(layout, params.f32())) {
    Tensor stored = t.ndim() == 1 || dtype == DType::F32 ? t : cast_from_f32(t, dtype);
    r.bytes += stored.nbytes();
    tensors.emplace_back(name, std::move(stored));
  }
  r.tensors = int64_t(tensors.size());

  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) throw IoError(out_dir + ": cannot create the directory: " + ec.message());
  write_safetensors_dir(out_dir, tensors, 1);
  Json j = model_config_to_json(c);
  j["torch_dtype"] = dtype == DType::F32 ? "float32" : dtype == DType::F16 ? "float16" : "bfloat16";
  write_text_file_atomic((fs::path(out_dir) / "config.json").string(), j.dump(2) + "\n");
  source.write_tokenizer_files(out_dir);
  return r;
}

}  // namespace r1
