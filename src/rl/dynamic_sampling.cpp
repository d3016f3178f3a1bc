// sample_step: per round, this rank's advantages and eligible groups, one all-reduce of every
// rank's eligible count (so each rank knows how much room the ranks before it leave), then its
// share of the room.
#include "rl/dynamic_sampling.h"

#include <algorithm>
#include <iterator>

namespace r1::rl {

namespace {

void add_stats(GenerationStats& into, const GenerationStats& s) {
  into.prompt_tokens += s.prompt_tokens;
  into.generated_tokens += s.generated_tokens;
  into.prefill_seconds += s.prefill_seconds;
  into.decode_seconds += s.decode_seconds;
}

}  // namespace

StepSample sample_step(Comm& comm, const StepSamplingOptions& opt, const RoundSampler& round) {
  StepSample out;
  const int64_t max_rounds = opt.dynamic ? opt.max_rounds : 1;
  while (out.rounds < max_rounds && out.groups_kept < opt.groups) {
    RoundRollouts r = round(out.rounds++);
    const int64_t groups = int64_t(r.rewards.size()) / opt.group_size;
    std::vector<uint8_t> eligible(size_t(groups), 1);  // [groups] may join the batch
    if (groups > 0) {
      std::vector<double> totals;
      for (const RewardBreakdown& b : r.rewards) totals.push_back(b.total);
      const GroupAdvantages adv = group_advantages(totals, opt.group_size, opt.advantage);
      out.advantages.insert(out.advantages.end(), adv.advantages.begin(), adv.advantages.end());
      out.zero_std_groups += std::count(adv.keep.begin(), adv.keep.end(), uint8_t(0));
      if (opt.dynamic) eligible = adv.keep;
    }
    std::vector<int64_t> eligible_by_rank(size_t(comm.size()), 0);
    eligible_by_rank[size_t(comm.rank())] =
        std::count(eligible.begin(), eligible.end(), uint8_t(1));
    comm.all_reduce_sum(eligible_by_rank.data(), int64_t(eligible_by_rank.size()));
    int64_t room = opt.groups - out.groups_kept;  // left for this rank's groups of the round
    for (int k = 0; k < comm.rank(); ++k) room -= eligible_by_rank[size_t(k)];
    for (uint8_t e : eligible) {
      const bool take = e && room > 0;
      room -= take ? 1 : 0;
      out.trained.push_back(take ? 1 : 0);
    }
    int64_t round_eligible = 0;
    for (int64_t n : eligible_by_rank) round_eligible += n;
    out.groups_kept = std::min(opt.groups, out.groups_kept + round_eligible);
    out.rollouts.insert(out.rollouts.end(), std::make_move_iterator(r.rollouts.begin()),
                        std::make_move_iterator(r.rollouts.end()));
    out.rewards.insert(out.rewards.end(), r.rewards.begin(), r.rewards.end());
    add_stats(out.stats, r.stats);
  }
  return out;
}

}  // namespace r1::rl
