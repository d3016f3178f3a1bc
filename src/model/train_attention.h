// The attention sublayer of a training decoder block as one interface, so the block, the model
// step and the MTP module are written once for MLA (DeepSeek) and GQA (Qwen2, Llama).
#pragma once

#include <cstdint>
#include <memory>

#include "model/batch.h"
#include "model/config.h"
#include "model/rope_freqs.h"
#include "model/train_weights.h"

namespace r1 {

// The attention sublayer of a training block. An implementation keeps its own activations
// between forward and backward, so one object serves one layer for one step.
class TrainAttention {
 public:
  virtual ~TrainAttention() = default;
  // xn: [T, D] the normalised block input -> y: [T, D] (overwritten); parameters from p.
  virtual void forward(const BlockParams& p, const float* xn, int64_t T, const SeqSpans& spans,
                       float* y) = 0;
  // Given dy [T, D]: parameter gradients ADDED into grads (the same block in the gradient view)
  // and dxn [T, D] ADDED.
  virtual void backward(const BlockParams& p, const float* xn, const float* dy, int64_t T,
                        const SeqSpans& spans, const BlockParams& grads, float* dxn) = 0;
};

// The model's attention pair: MlaTrainAttention for DeepSeek, GqaTrainAttention otherwise. c and
// rope are kept by reference and must outlive it.
std::unique_ptr<TrainAttention> make_train_attention(const ModelConfig& c, const RopeFreqs& rope);

}  // namespace r1
