// A loaded model (DeepSeek-V3/V2, Qwen2, Llama): config, weight tree and RoPE tables, with the
// inference entry points over model/transformer.h (checkpoint/ModelDir opens one from a path).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/batch.h"
#include "model/config.h"
#include "model/kv_cache.h"
#include "model/later_stages.h"
#include "model/rope_freqs.h"
#include "model/tensor_source.h"
#include "model/weights.h"

namespace r1 {

class Model {
 public:
  // A model over `source` (opened from a path by checkpoint/ModelDir, or a ParamSource over the
  // parameters being trained: f32 tensors are used in place, so the model follows later
  // updates of them). `label` names the model in messages. rope_freq_factors: llama.cpp's
  // rope_freqs (each inverse frequency is divided by its factor); empty for none. Throws
  // FormatError naming the file and tensor.
  // A pipeline stage reads only `part`'s tensors; rank 0's model (part: the first layers and the
  // ends) runs the rest through `later`.
  static std::unique_ptr<Model> from_source(const std::string& label, const ModelConfig& config,
                                            std::unique_ptr<TensorSource> source,
                                            const std::vector<float>& rope_freq_factors = {},
                                            const ModelPart& part = {},
                                            std::shared_ptr<LaterStages> later = nullptr);

  const ModelConfig& config() const { return config_; }
  const ModelPart& part() const { return part_; }
  const ModelWeights& weights() const { return weights_; }
  const TensorSource& tensors() const { return *source_; }

  // Runs tokens [T] at positions pos0..pos0+T-1 and returns logits [T, V].
  // cache == nullptr: the full-sequence path (pos0 must be 0). With a cache, the tokens are
  // appended at pos0 (== cache->length) and cache->length advances by T.
  // hidden (optional): receives the last layer's output before the final norm, [T, D].
  Tensor forward(const std::vector<int32_t>& tokens, int64_t pos0, KvCache* cache,
                 Tensor* hidden = nullptr) const;

  // An empty KV cache of `capacity` tokens for this model: every layer it holds, and the later
  // stages' part when it is rank 0 of a pipeline. Every cache the forward passes get comes
  // from here.
  KvCache new_cache(int64_t capacity) const;

  // A pipeline stage's pass: its layers over the hidden states x [N, D] (the rows of `spans`) in
  // place, the spans' caches advanced.
  void forward_layers(float* x, int64_t N, const SeqSpans& spans) const;

  // One sequence's new tokens in a batched pass: appended to `cache` at cache->length.
  struct SequenceStep {
    std::vector<int32_t> tokens;
    KvCache* cache = nullptr;
  };
  // Runs several sequences in one pass, so every weight is read once for all of them. Returns
  // logits [sum of tokens, V] when all_logits, else [steps, V] for each step's last token.
  // Every cache advances by its step's token count.
  Tensor forward_batch(const std::vector<SequenceStep>& steps, bool all_logits) const;

  // The processes a pass goes through: 1, or 1 + the later stages on rank 0 of a pipeline. As
  // many batches in flight keep every stage busy.
  int pipeline_depth() const { return 1 + (later_ ? later_->stage_count() : 0); }

  // forward_batch in two halves, so that several batches are in flight through a pipeline's
  // later stages at once, each stage busy with one (micro-batches): start_batch embeds the
  // tokens, runs this process's layers and hands the hidden states on; finish_batch takes back
  // those of the OLDEST batch started and not finished, which it must be given, and returns its
  // logits as forward_batch would. A cache may be in only one batch in flight. In one process
  // start_batch runs every layer and finish_batch the head.
  struct BatchInFlight {
    Tensor x;  // [N, D] hidden states
    SeqSpans spans;
    std::vector<int64_t> logit_rows;
  };
  BatchInFlight start_batch(const std::vector<SequenceStep>& steps, bool all_logits) const;
  Tensor finish_batch(BatchInFlight& batch) const;

  // Multi-token prediction (first MTP module): for tokens t_0..t_{T-1} and the main model's
  // hidden states h [T, D] (from forward), logits [T-1, V] where row i predicts t_{i+2} from
  // h_i and t_{i+1}. Throws Error if the checkpoint has no MTP layer.
  Tensor mtp_logits(const std::vector<int32_t>& tokens, const Tensor& hidden) const;

  // The MTP module on rows at positions pos0..pos0+R-1: row i combines the main model's hidden
  // state h [R, D] (row i: position pos0+i) with the embedding of next_tokens[i] (the token at
  // position pos0+i+1) and returns logits [R, V] for the token after that. With a cache the MTP
  // layer's attention state is appended at pos0 (== cache->mtp_length) and advances.
  Tensor mtp_forward(const std::vector<int32_t>& next_tokens, const float* hidden, int64_t pos0,
                     KvCache* cache) const;

 private:
  struct BatchRows {
    std::vector<int32_t> tokens;
    SeqSpans spans;
    std::vector<int64_t> logit_rows;
  };
  // The rows of a batch of steps, each checked (tokens, room in its cache).
  BatchRows batch_rows(const std::vector<SequenceStep>& steps, bool all_logits) const;
  void finish_load(const std::vector<float>& rope_factors);
  void check_tokens(const std::vector<int32_t>& tokens) const;

  std::string dir_;
  ModelConfig config_;
  std::unique_ptr<TensorSource> source_;
  ModelWeights weights_;
  RopeFreqs rope_;
  ModelPart part_;
  std::shared_ptr<LaterStages> later_;  // rank 0 of a pipeline: the layers after its own
};

}  // namespace r1
