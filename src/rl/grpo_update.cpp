// grpo_update: pack the rollouts into length-sorted micro-batches, take the old-policy and
// reference log-probabilities, then mu times zero the gradients, run every micro-batch's
// forward/backward with its scaled share of the objective, clip, AdamW, expert-bias rule.
#include "rl/grpo_update.h"

#include <algorithm>
#include <memory>

#include "core/error.h"
#include "model/param_layout.h"
#include "model/transformer.h"
#include "model/weights.h"
#include "train/expert_bias.h"
#include "train/grad_clip.h"

namespace r1::rl {

namespace {

// One micro-batch of the update: its packed rows and its part of the step's objective.
struct MicroBatch {
  TrainBatch batch;
  std::unique_ptr<GrpoObjective> objective;
  double scale = 1.0;  // the micro-batch's normaliser over the step's (see make_micro_batches)
};

// The step's rollouts and their sampled completion tokens (tool outputs never count), over
// every rank.
struct StepTotals {
  int64_t sequences = 0, tokens = 0;
};

// The objective of each micro-batch is normalised over that micro-batch; `scale` turns it into
// its share of the step's loss: S_m / S for the per-sequence aggregations, N_m / N for the
// token mean (N: counted tokens; S and N of the whole step, all ranks).
std::vector<MicroBatch> make_micro_batches(const UpdateSettings& g, PolicyState& p,
                                           const std::vector<Rollout>& rollouts,
                                           const std::vector<double>& advantages,
                                           const StepTotals& totals) {
  const ParamLayout layout(p.config);
  const ModelWeights params = weights_view(p.config, layout, p.params.f32(), "policy");
  std::vector<MicroBatch> out;
  for (const std::vector<size_t>& rows : length_sorted_micro_batches(rollouts, g.micro_batch)) {
    MicroBatch m;
    m.batch = pack_rollouts(rollouts, rows, 0);
    GrpoBatch gb;
    gb.S = m.batch.B;
    gb.T = m.batch.T;
    gb.mask = m.batch.mask;
    // One update per rollout batch: the parameters are still the sampling policy's.
    if (g.mu > 1)
      gb.logp_old = model_token_logprobs(p.config, params, m.batch, g.compute, g.temperature);
    if (g.loss.beta > 0) {
      const ModelWeights ref = weights_view(p.config, layout, p.ref.f32(), "reference policy");
      gb.logp_ref = model_token_logprobs(p.config, ref, m.batch, g.compute, g.temperature);
    }
    int64_t tokens = 0;
    for (size_t r : rows) {
      gb.advantages.push_back(advantages[r]);
      tokens += sampled_tokens(rollouts[r]);
    }
    m.scale = g.loss.aggregation == LossAggregation::kTokenMean
                  ? double(tokens) / double(std::max<int64_t>(1, totals.tokens))
                  : double(rows.size()) / double(totals.sequences);
    m.objective = std::make_unique<GrpoObjective>(std::move(gb), g.loss);
    out.push_back(std::move(m));
  }
  return out;
}

// Sums a step's statistics over the ranks (the ratio's extremes by their maximum).
void all_reduce_stats(Comm& comm, GrpoStats& s) {
  double sums[5] = {double(s.tokens), s.kl_sum, s.ratio_sum, double(s.clipped_low),
                    double(s.clipped_high)};
  comm.all_reduce_sum(sums, 5);
  s.tokens = int64_t(sums[0]);
  s.kl_sum = sums[1];
  s.ratio_sum = sums[2];
  s.clipped_low = int64_t(sums[3]);
  s.clipped_high = int64_t(sums[4]);
  double extremes[2] = {-s.ratio_min, s.ratio_max};
  comm.all_reduce_max(extremes, 2);
  s.ratio_min = -extremes[0];
  s.ratio_max = extremes[1];
}

// mu optimizer updates on the micro-batches of one rollout batch.
UpdateResult run_updates(Comm& comm, const UpdateSettings& g, PolicyState& p,
                         std::vector<MicroBatch>& micro, double lr) {
  const ParamLayout layout(p.config);
  const ModelWeights params = weights_view(p.config, layout, p.params.f32(), "policy");
  const ModelWeights grads = weights_view(p.config, layout, p.grads.f32(), "policy gradients");
  UpdateResult u;
  for (int64_t it = 0; it < g.mu; ++it) {
    std::fill_n(p.grads.f32(), layout.total(), 0.0f);
    u.loss = 0.0;
    u.expert_load.clear();
    for (MicroBatch& m : micro) {
      if (g.loss.importance == ImportanceLevel::kSequence && it > 0) {
        // GSPO: the sequence ratios under the parameters of this inner update (the first one's
        // parameters are the rollout policy's: ratio 1).
        const std::vector<float> now =
            model_token_logprobs(p.config, params, m.batch, g.compute, g.temperature);
        m.objective->set_sequence_ratios(now.data());
      }
      const TokenObjective part = m.objective->for_micro_batch(0, &u.stats);
      TrainLossOptions opts;
      opts.compute = g.compute;
      opts.temperature = g.temperature;
      const double scale = m.scale;
      opts.objective = [&part, scale](int64_t row0, int64_t n, const float* logp, float* dlogp) {
        const double value = part(row0, n, logp, dlogp);
        for (int64_t i = 0; i < n; ++i) dlogp[i] = float(double(dlogp[i]) * scale);
        return value * scale;
      };
      const TrainStepResult r = model_train_step(p.config, params, grads, m.batch, opts);
      u.loss += r.loss;
      u.tokens += m.batch.B * m.batch.T;
      add_expert_load(u.expert_load, r.expert_load);
    }
    if (comm.size() > 1) {
      comm.all_reduce_sum(p.grads.f32(), layout.total());
      comm.all_reduce_sum(&u.loss, 1);
      // A rank without rollouts ran no MoE layer: its loads are zeros of the same shape.
      if (u.expert_load.empty())
        for (const BlockWeights& b : params.layers)
          if (b.is_moe) u.expert_load.emplace_back(size_t(p.config.n_routed_experts), 0);
      for (std::vector<int64_t>& layer : u.expert_load)
        comm.all_reduce_sum(layer.data(), int64_t(layer.size()));
    }
    u.grad_norm = clip_grad_norm(layout.entries(), p.grads.f32(), g.clip);
    adamw_step(layout.entries(), g.adamw, lr, p.adamw, p.params.f32(), p.grads.f32());
    if (g.bias_update_gamma != 0.0)
      update_expert_biases(params, u.expert_load, p.config.n_routed_experts,
                           float(g.bias_update_gamma));
  }
  if (comm.size() > 1) {
    all_reduce_stats(comm, u.stats);
    comm.all_reduce_sum(&u.tokens, 1);
  }
  return u;
}

}  // namespace

UpdateResult grpo_update(Comm& comm, PolicyState& policy, const std::vector<Rollout>& rollouts,
                         const std::vector<double>& advantages, const UpdateSettings& settings,
                         double lr) {
  R1_ASSERT(rollouts.size() == advantages.size());
  StepTotals totals{int64_t(rollouts.size()), 0};
  for (const Rollout& r : rollouts) totals.tokens += sampled_tokens(r);
  comm.all_reduce_sum(&totals.sequences, 1);
  comm.all_reduce_sum(&totals.tokens, 1);
  if (totals.sequences == 0) return {};
  std::vector<MicroBatch> micro =
      make_micro_batches(settings, policy, rollouts, advantages, totals);
  return run_updates(comm, settings, policy, micro, lr);
}

}  // namespace r1::rl
