// `r1 logits`: float32 .npy of the logits at every position, computed over the full sequence or
// one token at a time through the KV cache (--incremental); --mtp gives the MTP module's
// next-next-token logits instead.
#include <cstdio>
#include <cstring>

#include "checkpoint/model_dir.h"
#include "cli/commands.h"
#include "cli/pipeline_flag.h"
#include "cli/token_list.h"
#include "core/error.h"
#include "infer/pipeline.h"
#include "io/npy.h"
#include "model/model.h"

namespace r1::cli {

namespace {

struct LogitsArgs {
  std::string model, tokens, out, pipeline_layers;
  bool incremental = false;
  bool mtp = false;
};

// Copies rows of `src` [n, V] into `dst` starting at row `row`.
void put_rows(Tensor& dst, int64_t row, const Tensor& src) {
  std::memcpy(dst.f32() + row * dst.dim(1), src.f32(), src.nbytes());
}

void run_logits(const LogitsArgs& a, Comm& world) {
  const std::vector<int32_t> tokens = parse_token_list(a.tokens);
  const auto model = load_inference_model(ModelDir::open(a.model), world, a.pipeline_layers);
  if (!model) return;  // a later pipeline stage: it served its layers until rank 0 was done
  const int64_t T = int64_t(tokens.size()), V = model->config().vocab_size,
                D = model->config().hidden_size;
  Tensor logits = Tensor::zeros(DType::F32, {T, V});  // [T, V]
  Tensor hidden = Tensor::zeros(DType::F32, {T, D});  // [T, D] before the final norm
  if (a.incremental) {
    KvCache cache = model->new_cache(T);
    for (int64_t t = 0; t < T; ++t) {
      Tensor h;
      put_rows(logits, t, model->forward({tokens[size_t(t)]}, t, &cache, &h));
      put_rows(hidden, t, h);
    }
  } else {
    logits = model->forward(tokens, 0, nullptr, &hidden);
  }
  const Tensor result = a.mtp ? model->mtp_logits(tokens, hidden) : logits;
  write_npy(a.out, result);
  std::printf("wrote %s: float32 %s\n", a.out.c_str(), shape_str(result.shape).c_str());
}

}  // namespace

void add_logits(CLI::App& app, Comm& world) {
  auto args = std::make_shared<LogitsArgs>();
  CLI::App* cmd = app.add_subcommand("logits", "Write the logits at every position as .npy");
  cmd->add_option("--model", args->model, "checkpoint directory or .gguf file")->required();
  cmd->add_option("--tokens", args->tokens, "comma-separated token ids, e.g. 5,17,3")->required();
  cmd->add_option("--out", args->out, "output .npy file")->required();
  cmd->add_flag("--incremental", args->incremental,
                "feed one token at a time through the KV cache (MLA: latent cache)");
  cmd->add_flag("--mtp", args->mtp, "MTP next-next-token logits [T-1, V] instead");
  add_pipeline_flag(cmd, args->pipeline_layers);
  cmd->callback([args, &world] { run_logits(*args, world); });
}

}  // namespace r1::cli
