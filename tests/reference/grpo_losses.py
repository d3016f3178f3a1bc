"""GRPO and its variants in float64 PyTorch, written from the papers: the definitions that
src/rl/advantage.cpp and src/rl/grpo_loss.cpp must match (tests/unit/advantage_test.cpp,
grpo_loss_test.cpp and the whole-model GRPO cases of model_train_test.cpp compare against them).

Advantages, from the rewards of G samples per prompt, r [groups, G]:
  grpo     (r - mean) / (std + eps), std the unbiased torch.std (DeepSeekMath eq. 4 as TRL and
           verl implement it), eps = 1e-4 (TRL)
  dr_grpo  r - mean (Dr. GRPO, "Understanding R1-Zero-Like Training", sec. 3.1)
  rloo     r_i - mean of the other G - 1 rewards (Ahmadian et al. 2024)
A group whose rewards are all equal has zero std (its advantages are 0); DAPO's dynamic
sampling drops such groups.

Per response token (sequence i, position t), with logp the current policy's log-probability:
  ratio = exp(logp - logp_old)                                              (importance "token")
  ratio = s_i = exp(sum_t m (logp - logp_old) / max(n_i, 1)) for every t    (importance "sequence":
          GSPO, Zheng et al. 2025, eq. 7: the length-normalised sequence ratio, differentiated
          through all of the sequence's tokens by autograd)
  surrogate = min(ratio A_i, clamp(ratio, 1 - eps_low, 1 + eps_high) A_i)   (PPO; DAPO decouples)
  k3 = exp(ref - logp) - (ref - logp) - 1                                   (Schulman; DeepSeekMath eq. 4)
  loss_t = -surrogate + beta k3
Aggregation over the S sequences of the step (m the response mask, n_i its count per sequence):
  seq-mean-token-mean      mean_i (sum_t m loss_t / max(n_i, 1))              GRPO / DeepSeekMath
  token-mean               sum_{i,t} m loss_t / max(sum_i n_i, 1)             DAPO
  seq-mean-token-sum-norm  mean_i (sum_t m loss_t / L), L a constant           Dr. GRPO
"""
import torch

ADV_EPS = 1e-4


def advantages(rewards, G, mode, eps=ADV_EPS):
    """rewards [groups * G] -> (advantages [groups * G], keep [groups] bool, zero-std fraction)."""
    r = rewards.view(-1, G)
    mean = r.mean(dim=1, keepdim=True)
    if mode == "grpo":
        a = (r - mean) / (r.std(dim=1, keepdim=True) + eps)
    elif mode == "dr_grpo":
        a = r - mean
    elif mode == "rloo":
        a = r - (r.sum(dim=1, keepdim=True) - r) / (G - 1)
    else:
        raise ValueError(f"advantage mode {mode}")
    all_equal = (r == r[:, :1]).all(dim=1)
    return a.reshape(-1), ~all_equal, float(all_equal.double().mean())


def target_logprobs(logits, targets, temperature=1.0):
    """logits [..., V], targets [...] -> log_softmax(logits / temperature)[target] [...]: the
    distribution sampled from at that temperature (verl and TRL divide the logits alike)."""
    return torch.log_softmax(logits / temperature, dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)


def sequence_ratio(logp, logp_old, mask):
    """GSPO: logp, logp_old, mask [S, T] -> s [S] = exp(mean over the counted tokens of logp - logp_old)."""
    m = mask.to(logp.dtype)
    return torch.exp(((logp - logp_old) * m).sum(dim=1) / m.sum(dim=1).clamp(min=1))


def per_token_loss(logp, logp_old, logp_ref, adv, eps_low, eps_high, beta, mask=None, importance="token"):
    """logp, logp_old, logp_ref [S, T], adv [S] -> loss_t [S, T] and the ratio [S, T] (mask [S, T]
    is read for the sequence ratio)."""
    if importance == "sequence":
        ratio = sequence_ratio(logp, logp_old, mask).unsqueeze(1).expand_as(logp)
    elif importance == "token":
        ratio = torch.exp(logp - logp_old)
    else:
        raise ValueError(f"importance {importance}")
    A = adv.unsqueeze(1)
    surrogate = torch.min(ratio * A, torch.clamp(ratio, 1 - eps_low, 1 + eps_high) * A)
    d = logp_ref - logp
    k3 = torch.exp(d) - d - 1
    return -surrogate + beta * k3, ratio, k3


def aggregate(loss_t, mask, aggregation, length_norm=0):
    """loss_t [S, T], mask [S, T] (0/1) -> the scalar step loss."""
    m = mask.to(loss_t.dtype)
    per_seq = (loss_t * m).sum(dim=1)  # [S]
    if aggregation == "seq-mean-token-mean":
        return (per_seq / m.sum(dim=1).clamp(min=1)).mean()
    if aggregation == "token-mean":
        return per_seq.sum() / m.sum().clamp(min=1)
    if aggregation == "seq-mean-token-sum-norm":
        return (per_seq / length_norm).mean()
    raise ValueError(f"aggregation {aggregation}")


def grpo_loss(logp, logp_old, logp_ref, adv, mask, opt):
    """-> (loss, stats) for opt {eps_low, eps_high, beta, aggregation, length_norm, importance}. Stats are
    over the counted tokens: kl_mean (k3), ratio mean/min/max, clip fractions where the clipped
    branch zeroes the gradient (low: A < 0 and ratio < 1 - eps_low; high: A > 0 and
    ratio > 1 + eps_high)."""
    loss_t, ratio, k3 = per_token_loss(logp, logp_old, logp_ref, adv, opt["eps_low"], opt["eps_high"],
                                       opt["beta"], mask, opt.get("importance", "token"))
    loss = aggregate(loss_t, mask, opt["aggregation"], opt.get("length_norm", 0))
    keep = mask.bool()
    A = adv.unsqueeze(1).expand_as(ratio)
    r, n = ratio.detach()[keep], int(keep.sum())
    low = ((ratio.detach() < 1 - opt["eps_low"]) & (A < 0))[keep]
    high = ((ratio.detach() > 1 + opt["eps_high"]) & (A > 0))[keep]
    stats = {"tokens": n, "kl_mean": float(k3.detach()[keep].mean()), "ratio_mean": float(r.mean()),
             "ratio_min": float(r.min()), "ratio_max": float(r.max()),
             "clip_low_fraction": float(low.sum()) / n, "clip_high_fraction": float(high.sum()) / n}
    return loss, stats
