// `r1 pretrain` and `r1 sft`: the training loop (train/trainer.h) on a token file or on SFT
// data (chat conversations or prompt-completion pairs) with the loss on the assistant tokens
// only. The two commands share every flag but --data's meaning.
#include <filesystem>
#include <memory>
#include <string>

#include "checkpoint/model_dir.h"
#include "cli/commands.h"
#include "cli/sampling_flags.h"
#include "cli/train_flags.h"
#include "train/sft_data.h"
#include "train/token_file.h"
#include "train/trainer.h"

namespace r1::cli {

namespace {

// --model, --data, --out and the common flags of both commands.
void add_command_flags(CLI::App* cmd, TrainArgs& a) {
  cmd->add_option("--model", a.run.model,
                  "initial model: a checkpoint directory (e.g. from `r1 init`) or a GGUF file "
                  "(its weights dequantised to f32)");
  cmd->add_option("--data", a.data, "training data (see the command's description)")->required();
  cmd->add_option("--out", a.run.out, "checkpoint directory (written atomically)")->required();
  add_train_flags(cmd, a);
  cmd->add_flag("-q,--quiet", a.quiet, "no progress bar");
  add_threads_flag(cmd, a.threads);
}

// The model directory whose config and tokenizer the data is read against.
std::string model_dir(const TrainArgs& a) {
  return a.run.resume ? a.run.out : a.run.model;
}

void run_pretrain(const CLI::App& cmd, TrainArgs& a, Comm& world) {
  settle_state(cmd, a);
  apply_threads(a.threads);
  a.run.progress = !a.quiet;
  const ModelConfig c = ModelDir::open_weights(model_dir(a)).config();
  TokenFile data = TokenFile::open(a.data, c.vocab_size);
  const BatchSpec spec = a.state.data;
  // The end-of-document id `r1 data tokenize` wrote with this model's tokenizer.
  if (spec.order == BatchOrder::Documents)
    data.index_documents(uint32_t(ModelDir::open_text(model_dir(a)).eos_id()));
  const TrainerSummary s =
      run_training(world, a.run, a.state, [&](int64_t step, int64_t micro, TrainBatch& b) {
        b.tokens.resize(size_t(b.B * (b.T + 1)));
        data.fill_batch(spec, step, micro, b.tokens.data());
      });
  if (world.is_root()) report_training(a, s);
}

// --data FILE.jsonl (chat or prompt-completion records) or FILE.bin with FILE.mask beside it
// (`r1 data tokenize --chat / --prompt-completion`).
SftDataset open_sft_data(const TrainArgs& a, const std::string& model, const ModelConfig& c) {
  const std::filesystem::path p(a.data);
  if (p.extension() == ".jsonl") return SftDataset::from_jsonl(a.data, model, a.threads);
  std::filesystem::path mask = p;
  mask.replace_extension(".mask");
  return SftDataset::from_files(a.data, mask.string(), c.vocab_size);
}

void run_sft(const CLI::App& cmd, TrainArgs& a, Comm& world) {
  settle_state(cmd, a);
  if (a.state.data.order == BatchOrder::Documents)
    throw UsageError("--data-order documents is pretrain's: an SFT row is one example already");
  apply_threads(a.threads);
  a.run.progress = !a.quiet;
  const std::string model = model_dir(a);
  const SftDataset data = open_sft_data(a, model, ModelDir::open_weights(model).config());
  const TrainerSummary s =
      run_training(world, a.run, a.state, sft_batch_filler(data, a.state.data));
  if (world.is_root()) report_training(a, s);
}

}  // namespace

void add_training(CLI::App& app, Comm& world) {
  auto pretrain_args = std::make_shared<TrainArgs>();
  CLI::App* pretrain = app.add_subcommand(
      "pretrain", "Train a model on a token file (--data FILE.bin from `r1 data tokenize`)");
  add_command_flags(pretrain, *pretrain_args);
  pretrain->callback(
      [pretrain, pretrain_args, &world] { run_pretrain(*pretrain, *pretrain_args, world); });

  auto sft_args = std::make_shared<TrainArgs>();
  sft_args->data_order = "random";
  CLI::App* sft = app.add_subcommand(
      "sft",
      "Supervised fine-tuning, loss on the assistant (completion) tokens only (--data FILE.jsonl "
      "of chat records {\"messages\": [...]} or prompt-completion records {\"prompt\", "
      "\"completion\"}, or FILE.bin + FILE.mask from `r1 data tokenize --chat / "
      "--prompt-completion`)");
  add_command_flags(sft, *sft_args);
  sft->callback([sft, sft_args, &world] { run_sft(*sft, *sft_args, world); });
}

}  // namespace r1::cli
