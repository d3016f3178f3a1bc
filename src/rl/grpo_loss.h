// The GRPO objective and its variants (Dr. GRPO, DAPO, GSPO) on per-token log-probabilities:
// clipped importance ratio to the rollout policy (per token, or GSPO's per sequence), k3 KL to a
// frozen reference, and the aggregation over tokens and sequences; plus the TokenObjective that
// model_train_step optimises.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "model/token_objective.h"

namespace r1::rl {

enum class LossAggregation {
  kSeqMeanTokenMean,     // GRPO (DeepSeekMath): mean over sequences of each one's token mean
  kTokenMean,            // DAPO: sum over all response tokens / their count
  kSeqMeanTokenSumNorm,  // Dr. GRPO: each sequence's token sum / a constant L, mean over them
};

// "seq-mean-token-mean", "token-mean" or "seq-mean-token-sum-norm"; UsageError otherwise.
LossAggregation loss_aggregation_from_name(const std::string& name);

enum class ImportanceLevel {
  kToken,     // PPO / GRPO: ratio_t = exp(logp_t - logp_old_t), clipped per token
  kSequence,  // GSPO: s = exp(mean over the sequence's tokens of logp - logp_old), per sequence
};

// "token" or "sequence"; UsageError naming --importance, the value and the choices otherwise.
ImportanceLevel importance_level_from_name(const std::string& name);

struct GrpoLossOptions {
  double eps_low = 0.2;   // the ratio is clipped below at 1 - eps_low
  double eps_high = 0.2;  // ... and above at 1 + eps_high (GRPO: equal; DAPO: 0.28)
  double beta = 0.0;      // weight of the k3 KL to the reference policy
  LossAggregation aggregation = LossAggregation::kSeqMeanTokenMean;
  int64_t length_norm = 0;  // L of kSeqMeanTokenSumNorm (e.g. the maximum response length)
  ImportanceLevel importance = ImportanceLevel::kToken;
};

// Everything of one optimizer step except the current log-probabilities: S sequences of T
// predictions each, row s * T + t laid out as TrainBatch's flattened [B, T] predictions.
struct GrpoBatch {
  int64_t S = 0, T = 0;
  // [S, T] under the policy that sampled the rollouts; empty: that policy is the current one
  // (one update per rollout batch), so the ratio is exactly 1 and no extra forward is needed.
  std::vector<float> logp_old;
  std::vector<float> logp_ref;     // [S, T] under the frozen reference; empty allowed if beta == 0
  std::vector<double> advantages;  // [S] one per sequence (rl/advantage.h)
  std::vector<uint8_t> mask;       // [S, T] nonzero on response tokens (the ones that count)
};

// Sums over the counted tokens, accumulated across calls (micro-batches); read the means.
struct GrpoStats {
  int64_t tokens = 0;
  double kl_sum = 0.0;     // k3 estimates (0 without logp_ref)
  double ratio_sum = 0.0;  // exp(logp - logp_old), or the token's sequence ratio (GSPO)
  double ratio_min = std::numeric_limits<double>::infinity();
  double ratio_max = -std::numeric_limits<double>::infinity();
  // Tokens whose gradient the clip zeroes: A < 0 and ratio < 1 - eps_low (low), A > 0 and
  // ratio > 1 + eps_high (high).
  int64_t clipped_low = 0, clipped_high = 0;

  double kl_mean() const { return tokens ? kl_sum / double(tokens) : 0.0; }
  double ratio_mean() const { return tokens ? ratio_sum / double(tokens) : 0.0; }
  double clip_low_fraction() const { return tokens ? double(clipped_low) / double(tokens) : 0.0; }
  double clip_high_fraction() const { return tokens ? double(clipped_high) / double(tokens) : 0.0; }
  double clip_fraction() const { return clip_low_fraction() + clip_high_fraction(); }
};

// Per counted token (sequence s, position t), in double:
//   ratio = exp(logp - logp_old) (token importance), or for every token of s GSPO's sequence
//           ratio s_s = exp(sum over s's counted tokens of (logp - logp_old) / max(n_s, 1))
//   A = advantages[s]
//   surrogate = min(ratio A, clip(ratio, 1 - eps_low, 1 + eps_high) A)
//   k3 = exp(ref - logp) - (ref - logp) - 1 (Schulman's unbiased KL estimator, DeepSeekMath)
//   loss_t = -surrogate + beta k3
// and the step loss is sum w_s loss_t with w_s from the aggregation over all S sequences of
// the step: 1 / (S max(n_s, 1)) (n_s: the sequence's counted tokens), 1 / max(N, 1) (N: all
// counted tokens), or 1 / (S L). Normalisers are the whole step's, so that the parts of
// micro-batches add up to the step's loss and gradient. GSPO: s_s depends on all n_s counted
// tokens of s (d s_s / d logp_t = s_s / n_s), and the n_s equal per-token terms of s sum that
// back to the token-level form used here, d ratio / d logp_t = s_s with s_s a stop-gradient
// factor (GSPO-token), exactly the sequence objective's gradient under every aggregation.
class GrpoObjective {
 public:
  // UsageError naming the field for sizes that disagree with S and T, non-finite advantages,
  // eps_low outside [0, 1), eps_high < 0, beta < 0, beta > 0 without logp_ref, or
  // kSeqMeanTokenSumNorm without length_norm > 0.
  GrpoObjective(GrpoBatch batch, const GrpoLossOptions& opt);

  const GrpoBatch& batch() const { return batch_; }

  // Sequence importance (GSPO): a sequence's ratio needs all of its tokens before any token's
  // gradient, so it is taken here from the current log-probabilities logp [S, T] (every row);
  // rows() uses these ratios until the next call. Before any call, and without logp_old, every
  // sequence ratio is 1 (the current policy is the rollout policy). Token importance: no effect.
  void set_sequence_ratios(const float* logp);

  // Rows [row0, row0 + n) of the flattened [S, T] tokens given their logp [n]: returns their
  // part of the step loss, writes dloss/dlogp [n] (unless null; zero on uncounted rows) and
  // adds their statistics into stats (unless null).
  double rows(int64_t row0, int64_t n, const float* logp, float* dlogp, GrpoStats* stats) const;

  // The whole step at once: logp [S, T] -> loss; dlogp [S, T] unless null.
  double loss(const float* logp, float* dlogp, GrpoStats* stats) const;

  // The objective of model_train_step for a micro-batch that holds sequences
  // [first_sequence, first_sequence + B) of the step, with the same T and mask. This object
  // and stats (may be null) must outlive the returned callback.
  TokenObjective for_micro_batch(int64_t first_sequence, GrpoStats* stats) const;

 private:
  GrpoBatch batch_;
  GrpoLossOptions opt_;
  std::vector<double> weight_;          // [S] w_s of the aggregation
  std::vector<double> sequence_ratio_;  // [S] GSPO's s_s
};

}  // namespace r1::rl
