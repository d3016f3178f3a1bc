// train_flops_per_token: weight_specs roles say which matmuls a token runs through.
#include "model/train_flops.h"

#include "model/weight_specs.h"

namespace r1 {

TrainFlops train_flops_per_token(const ModelConfig& c, int64_t seq_len, bool with_mtp) {
  TrainFlops f;
  for (const WeightSpec& s : weight_specs(c)) {
    if (s.mtp && !with_mtp) continue;
    const double n = double(s.shape.size() >= 2 ? s.shape[0] * s.shape[1] : 0);
    switch (s.role) {
      case WeightRole::Linear:
      case WeightRole::Head:
      case WeightRole::Router:
      case WeightRole::MtpLinear:
        f.matmul += 6.0 * n;
        break;
      case WeightRole::Expert:
        f.matmul += 6.0 * n * double(c.num_experts_per_tok) / double(c.n_routed_experts);
        break;
      case WeightRole::Embedding:
      case WeightRole::Vector:
        break;
    }
  }
  if (c.tie_word_embeddings) f.matmul += 6.0 * double(c.vocab_size * c.hidden_size);

  const int64_t layers = c.num_hidden_layers + (with_mtp && c.is_deepseek()
                                                    ? c.num_nextn_predict_layers
                                                    : 0);
  const int64_t qk = c.is_deepseek() ? c.q_head_dim() : c.head_dim;
  const int64_t v = c.is_deepseek() ? c.v_head_dim : c.head_dim;
  const double keys = double(seq_len + 1) / 2.0;  // causal: position t sees t + 1 keys
  f.attention = 6.0 * double(layers * c.num_attention_heads * (qk + v)) * keys;
  return f;
}

}  // namespace r1
