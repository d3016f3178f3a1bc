// The per-token clipped surrogate and k3 KL, their derivative in logp, and the aggregation
// weights, all in double; the weights are fixed once per step so micro-batches add up.
#include "rl/grpo_loss.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/error.h"

namespace r1::rl {

LossAggregation loss_aggregation_from_name(const std::string& name) {
  if (name == "seq-mean-token-mean") return LossAggregation::kSeqMeanTokenMean;
  if (name == "token-mean") return LossAggregation::kTokenMean;
  if (name == "seq-mean-token-sum-norm") return LossAggregation::kSeqMeanTokenSumNorm;
  throw UsageError("loss aggregation '" + name +
                   "' is unknown; expected seq-mean-token-mean, token-mean or "
                   "seq-mean-token-sum-norm");
}

ImportanceLevel importance_level_from_name(const std::string& name) {
  if (name == "token") return ImportanceLevel::kToken;
  if (name == "sequence") return ImportanceLevel::kSequence;
  throw UsageError("--importance '" + name + "' is unknown; expected token or sequence");
}

namespace {

void check_size(const char* field, size_t got, int64_t want) {
  if (int64_t(got) != want)
    throw UsageError(std::string("GrpoBatch: ") + field + " has " + std::to_string(got) +
                     " values, expected " + std::to_string(want));
}

void check(const GrpoBatch& b, const GrpoLossOptions& o) {
  if (b.S <= 0 || b.T <= 0)
    throw UsageError("GrpoBatch: S = " + std::to_string(b.S) + " and T = " + std::to_string(b.T) +
                     ", expected both positive");
  if (!b.logp_old.empty()) check_size("logp_old", b.logp_old.size(), b.S * b.T);
  check_size("mask", b.mask.size(), b.S * b.T);
  check_size("advantages", b.advantages.size(), b.S);
  if (o.beta > 0.0 || !b.logp_ref.empty()) check_size("logp_ref", b.logp_ref.size(), b.S * b.T);
  for (size_t s = 0; s < b.advantages.size(); ++s)
    if (!std::isfinite(b.advantages[s]))
      throw UsageError("GrpoBatch: advantage of sequence " + std::to_string(s) + " is " +
                       std::to_string(b.advantages[s]) + ", expected a finite number");
  if (!(o.eps_low >= 0.0 && o.eps_low < 1.0))
    throw UsageError("GRPO eps_low = " + std::to_string(o.eps_low) + ", expected 0 <= eps_low < 1");
  if (!(o.eps_high >= 0.0) || !std::isfinite(o.eps_high))
    throw UsageError("GRPO eps_high = " + std::to_string(o.eps_high) + ", expected >= 0");
  if (!(o.beta >= 0.0) || !std::isfinite(o.beta))
    throw UsageError("GRPO beta = " + std::to_string(o.beta) + ", expected >= 0");
  if (o.aggregation == LossAggregation::kSeqMeanTokenSumNorm && o.length_norm <= 0)
    throw UsageError("GRPO seq-mean-token-sum-norm needs a length normaliser L > 0, got " +
                     std::to_string(o.length_norm));
}

// w_s of each sequence under the aggregation (see GrpoObjective).
std::vector<double> sequence_weights(const GrpoBatch& b, const GrpoLossOptions& o) {
  std::vector<int64_t> counted(static_cast<size_t>(b.S), 0);  // [S]
  int64_t total = 0;
  for (int64_t s = 0; s < b.S; ++s) {
    for (int64_t t = 0; t < b.T; ++t) counted[size_t(s)] += b.mask[size_t(s * b.T + t)] ? 1 : 0;
    total += counted[size_t(s)];
  }
  std::vector<double> w(static_cast<size_t>(b.S));
  for (int64_t s = 0; s < b.S; ++s) {
    switch (o.aggregation) {
      case LossAggregation::kSeqMeanTokenMean:
        w[size_t(s)] = 1.0 / (double(b.S) * double(std::max<int64_t>(counted[size_t(s)], 1)));
        break;
      case LossAggregation::kTokenMean:
        w[size_t(s)] = 1.0 / double(std::max<int64_t>(total, 1));
        break;
      case LossAggregation::kSeqMeanTokenSumNorm:
        w[size_t(s)] = 1.0 / (double(b.S) * double(o.length_norm));
        break;
    }
  }
  return w;
}

}  // namespace

GrpoObjective::GrpoObjective(GrpoBatch batch, const GrpoLossOptions& opt)
    : batch_(std::move(batch)), opt_(opt) {
  check(batch_, opt_);
  weight_ = sequence_weights(batch_, opt_);
  sequence_ratio_.assign(size_t(batch_.S), 1.0);
}

void GrpoObjective::set_sequence_ratios(const float* logp) {
  if (opt_.importance != ImportanceLevel::kSequence || batch_.logp_old.empty()) return;
  for (int64_t s = 0; s < batch_.S; ++s) {
    double sum = 0.0;
    int64_t counted = 0;
    for (int64_t t = 0; t < batch_.T; ++t) {
      const size_t row = size_t(s * batch_.T + t);
      if (!batch_.mask[row]) continue;
      sum += double(logp[row]) - double(batch_.logp_old[row]);
      ++counted;
    }
    sequence_ratio_[size_t(s)] = std::exp(sum / double(std::max<int64_t>(counted, 1)));
  }
}

double GrpoObjective::rows(int64_t row0, int64_t n, const float* logp, float* dlogp,
                           GrpoStats* stats) const {
  R1_ASSERT(row0 >= 0 && n >= 0 && row0 + n <= batch_.S * batch_.T);
  const double low = 1.0 - opt_.eps_low, high = 1.0 + opt_.eps_high;
  const bool has_ref = !batch_.logp_ref.empty(), on_policy = batch_.logp_old.empty();
  const bool per_sequence = opt_.importance == ImportanceLevel::kSequence;
  double loss = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t row = row0 + i, s = row / batch_.T;
    if (!batch_.mask[size_t(row)]) {
      if (dlogp) dlogp[i] = 0.0f;
      continue;
    }
    const double lp = logp[i], A = batch_.advantages[size_t(s)];
    const double old = on_policy ? lp : double(batch_.logp_old[size_t(row)]);
    // d ratio / d logp = ratio either way: GSPO's s_s enters as a stop-gradient factor.
    const double ratio = per_sequence ? sequence_ratio_[size_t(s)] : std::exp(lp - old);
    const double surrogate = std::min(ratio * A, std::clamp(ratio, low, high) * A);
    // The clipped branch is the smaller one exactly in these cases; its gradient is zero.
    const bool clipped_low = A < 0.0 && ratio < low;
    const bool clipped_high = A > 0.0 && ratio > high;
    const double dsurrogate = clipped_low || clipped_high ? 0.0 : ratio * A;
    // k3 with d = ref - logp: exp(d) - d - 1 >= 0, derivative in logp 1 - exp(d).
    const double d = has_ref ? double(batch_.logp_ref[size_t(row)]) - lp : 0.0;
    const double k3 = std::expm1(d) - d, dk3 = -std::expm1(d);
    const double w = weight_[size_t(s)];
    loss += w * (-surrogate + opt_.beta * k3);
    if (dlogp) dlogp[i] = float(w * (-dsurrogate + opt_.beta * dk3));
    if (stats) {
      ++stats->tokens;
      stats->kl_sum += k3;
      stats->ratio_sum += ratio;
      stats->ratio_min = std::min(stats->ratio_min, ratio);
      stats->ratio_max = std::max(stats->ratio_max, ratio);
      stats->clipped_low += clipped_low ? 1 : 0;
      stats->clipped_high += clipped_high ? 1 : 0;
    }
  }
  return loss;
}

double GrpoObjective::loss(const float* logp, float* dlogp, GrpoStats* stats) const {
  return rows(0, batch_.S * batch_.T, logp, dlogp, stats);
}

TokenObjective GrpoObjective::for_micro_batch(int64_t first_sequence, GrpoStats* stats) const {
  R1_ASSERT(first_sequence >= 0 && first_sequence < batch_.S);
  const int64_t offset = first_sequence * batch_.T;
  return [this, offset, stats](int64_t row0, int64_t n, const float* logp, float* dlogp) {
    return rows(offset + row0, n, logp, dlogp, stats);
  };
}

}  // namespace r1::rl
