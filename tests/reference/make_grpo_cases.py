"""GRPO reference cases (definitions in grpo_losses.py), float64 autograd.

Fixed-logit cases, OUT/logits/: random logits [S, T, V] (S = groups * G sequences), targets,
response masks of different lengths, old and reference log-probabilities near the current ones
(so that ratios clip on both sides, kept at least MIN_CLIP_MARGIN away from every clip bound),
rewards with one all-equal group. cases.json lists per variant its options, the loss, the
statistics, the kept groups and the zero-std fraction; <variant>_advantages.npy [S] and
<variant>_dlogits.npy [S, T, V] hold the advantages and d loss / d logits. Inputs are .npy:
logits, logp (the float64 log-probabilities, rounded), logp_old, logp_ref, rewards (float32),
targets, mask (int32).

Whole-model cases, OUT/<name>/: a tiny checkpoint (as make_train_cases.py), batch.json with the
batch, rewards, old/reference log-probabilities, the GRPO options and the expected values, and
grads.safetensors: the gradient of total = grpo_loss + mtp_lambda mtp_loss + aux_alpha aux_loss
for every tensor.
"""
import argparse
import json
import os
import shutil
import sys
import time
import zlib

import numpy as np
import torch

import checkpoint
import grpo_losses
import make_cases
import make_train_cases
import model
import safetensors_io
import train_losses

F64 = torch.float64
MIN_CLIP_MARGIN = 2e-3  # |ratio - bound| / bound, so that f32 and f64 agree on every clip
CLIP_BOUNDS = (0.8, 1.2, 1.28)  # 1 -/+ the eps values of the token-ratio variants below
# GSPO's sequence ratios average f32 log-probabilities: |s - bound| / bound at least this
MIN_SEQUENCE_CLIP_MARGIN = 1e-5

# (name, advantage mode, eps_low, eps_high, beta, aggregation, length_norm, dynamic sampling,
#  importance); gspo has the GSPO paper's epsilons
VARIANTS = [
    ("grpo", "grpo", 0.2, 0.2, 0.04, "seq-mean-token-mean", 0, False, "token"),
    ("grpo_beta0", "grpo", 0.2, 0.2, 0.0, "seq-mean-token-mean", 0, False, "token"),
    ("dr_grpo", "dr_grpo", 0.2, 0.2, 0.0, "seq-mean-token-sum-norm", 6, False, "token"),
    ("dapo", "grpo", 0.2, 0.28, 0.0, "token-mean", 0, True, "token"),
    ("rloo", "rloo", 0.2, 0.2, 0.04, "seq-mean-token-mean", 0, False, "token"),
    ("gspo", "grpo", 3e-4, 4e-4, 0.0, "seq-mean-token-mean", 0, False, "sequence"),
    ("gspo_kl_token_mean", "grpo", 3e-4, 4e-4, 0.04, "token-mean", 0, False, "sequence"),
]


def f32(x):
    """float64 tensor of float32-rounded values."""
    return x.to(torch.float32).to(F64)


def noisy(gen, logp, scale):
    """float32-rounded logp + normal noise: a nearby policy's log-probabilities."""
    return f32(logp + torch.randn(logp.shape, generator=gen, dtype=F64) * scale)


def near_policy(gen, logp, scale):
    """float32-rounded logp + noise, resampled wherever exp(logp - result) is near a clip bound."""
    out = noisy(gen, logp, scale)
    for _ in range(100):
        ratio = torch.exp(logp - out)
        near = torch.zeros_like(ratio, dtype=torch.bool)
        for b in CLIP_BOUNDS:
            near |= ((ratio - b).abs() / b) < MIN_CLIP_MARGIN
        if not near.any():
            return out
        out = torch.where(near, noisy(gen, logp, scale), out)
    raise RuntimeError("could not keep the ratios away from the clip bounds")


def save_npy(path, t, dtype):
    np.save(path, t.detach().numpy().astype(dtype))


# ----------------------------------------------------------------------------- fixed logits

def logit_inputs(gen, groups=3, G=4, T=6, V=37):
    S = groups * G
    logits = f32(torch.randn(S, T, V, generator=gen, dtype=F64) * 2.0)
    targets = torch.randint(0, V, (S, T), generator=gen)
    starts = torch.randint(0, 2, (S,), generator=gen)  # some sequences skip a prompt token
    lengths = torch.randint(1, T + 1, (S,), generator=gen)
    pos = torch.arange(T).unsqueeze(0)
    mask = ((pos >= starts.unsqueeze(1)) & (pos < (starts + lengths).clamp(max=T).unsqueeze(1))).to(torch.int32)
    logp = grpo_losses.target_logprobs(logits, targets)
    rewards = torch.tensor([1.0, 0.0, 0.5, 1.0,   # mixed
                            1.0, 1.0, 1.0, 1.0,   # all equal: zero std
                            0.0, 0.0, 1.25, 0.25], dtype=F64)[:S]
    return dict(groups=groups, G=G, S=S, T=T, V=V, logits=logits, targets=targets, mask=mask, logp=logp,
                logp_old=near_policy(gen, logp, 0.3), logp_ref=noisy(gen, logp, 0.3), rewards=rewards)


def check_sequence_clip_margin(inp, name, eps_low, eps_high):
    """Raises unless every sequence ratio is MIN_SEQUENCE_CLIP_MARGIN away from the clip bounds."""
    s = grpo_losses.sequence_ratio(inp["logp"], inp["logp_old"], inp["mask"])
    for b in (1 - eps_low, 1 + eps_high):
        if (((s - b).abs() / b) < MIN_SEQUENCE_CLIP_MARGIN).any():
            raise RuntimeError(f"{name}: a sequence ratio is within {MIN_SEQUENCE_CLIP_MARGIN} of the bound {b}")


def logit_variant(inp, name, adv_mode, eps_low, eps_high, beta, aggregation, length_norm, dynamic, importance):
    adv, keep, zero_std = grpo_losses.advantages(inp["rewards"], inp["G"], adv_mode)
    seqs = keep.repeat_interleave(inp["G"]) if dynamic else torch.ones(inp["S"], dtype=torch.bool)
    logits = inp["logits"].clone().requires_grad_(True)
    logp = grpo_losses.target_logprobs(logits, inp["targets"])
    if importance == "sequence":
        check_sequence_clip_margin(inp, name, eps_low, eps_high)
    opt = {"eps_low": eps_low, "eps_high": eps_high, "beta": beta, "aggregation": aggregation,
           "length_norm": length_norm, "importance": importance}
    loss, stats = grpo_losses.grpo_loss(logp[seqs], inp["logp_old"][seqs], inp["logp_ref"][seqs], adv[seqs],
                                        inp["mask"][seqs], opt)
    (dlogits,) = torch.autograd.grad(loss, logits)
    spec = {"name": name, "advantage": adv_mode, "dynamic_sampling": dynamic, **opt, "loss": float(loss),
            "stats": stats, "keep": [int(k) for k in keep], "zero_std_fraction": zero_std}
    return spec, adv, dlogits


def write_logit_cases(out_dir, gen):
    os.makedirs(out_dir, exist_ok=True)
    inp = logit_inputs(gen)
    for key in ("logits", "logp", "logp_old", "logp_ref", "rewards"):
        save_npy(os.path.join(out_dir, key + ".npy"), inp[key], np.float32)
    for key in ("targets", "mask"):
        save_npy(os.path.join(out_dir, key + ".npy"), inp[key], np.int32)
    variants = []
    for v in VARIANTS:
        spec, adv, dlogits = logit_variant(inp, *v)
        save_npy(os.path.join(out_dir, spec["name"] + "_advantages.npy"), adv, np.float32)
        save_npy(os.path.join(out_dir, spec["name"] + "_dlogits.npy"), dlogits, np.float32)
        variants.append(spec)
        s = spec["stats"]
        print(f"  {spec['name']:10s} loss={spec['loss']:+.6f} clip low/high={s['clip_low_fraction']:.2f}/"
              f"{s['clip_high_fraction']:.2f} kl={s['kl_mean']:.4f}")
    with open(os.path.join(out_dir, "cases.json"), "w") as f:
        json.dump({k: inp[k] for k in ("groups", "G", "S", "T", "V")} | {"variants": variants}, f, indent=2)


# ----------------------------------------------------------------------------- whole models

B, T = 4, 8
G = 2
MODEL_MASK = [[0, 0, 0, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 0, 0, 0],
              [0, 0, 0, 0, 1, 1, 1, 1], [0, 1, 1, 1, 1, 1, 1, 0]]
MODEL_REWARDS = [1.0, 0.0, 0.25, 1.0]
MODEL_GRPO = {"eps_low": 0.2, "eps_high": 0.28, "beta": 0.04, "aggregation": "seq-mean-token-mean",
              "length_norm": 0}


def model_cases():
    """(name, config, options): V3 with MoE, MTP and the balance loss on; dense Qwen2 without, also
    with rollouts sampled at temperature 0.7."""
    return [("model_v3", make_train_cases.preset_tiny_v3(), {"mtp_lambda": 0.3, "aux_alpha": 0.1, "temperature": 1.0}),
            ("model_qwen2", make_train_cases.preset_dense("qwen2"),
             {"mtp_lambda": 0.0, "aux_alpha": 0.0, "temperature": 1.0}),
            ("model_qwen2_t07", make_train_cases.preset_dense("qwen2"),
             {"mtp_lambda": 0.0, "aux_alpha": 0.0, "temperature": 0.7})]


def model_step(config, W, tokens, logp_old, logp_ref, options):
    """-> dict(total, loss, mtp_loss, aux_loss, logp [B, T]) with the GRPO objective as the main loss, of
    log_softmax(logits / options["temperature"]) (rollouts sampled at that temperature)."""
    mtp = bool(config.get("num_nextn_predict_layers")) and options["mtp_lambda"] != 0.0
    logps, routes, mtp_sum, mtp_counted = [], [], 0.0, 0
    for seq, seq_mask in zip(tokens, MODEL_MASK):
        with train_losses.recorded_routing() as records:
            logits, hidden = model.forward(config, W, seq[:-1])
        routes.append(records)
        logps.append(grpo_losses.target_logprobs(logits, torch.as_tensor(seq[1:]), options["temperature"]))
        if mtp:
            s, n = train_losses.summed_cross_entropy(model.mtp_forward(config, W, seq[:-1], hidden), seq[2:],
                                                     seq_mask[1:])
            mtp_sum, mtp_counted = mtp_sum + s, mtp_counted + n
    logp = torch.stack(logps)  # [B, T]
    adv, _, _ = grpo_losses.advantages(torch.tensor(MODEL_REWARDS, dtype=F64), G, "grpo")
    loss, stats = grpo_losses.grpo_loss(logp, logp_old, logp_ref, adv, torch.tensor(MODEL_MASK), MODEL_GRPO)
    out = {"loss": loss, "logp": logp, "stats": stats, "advantages": adv,
           "mtp_loss": train_losses.mtp_loss(torch.as_tensor(mtp_sum, dtype=F64), mtp_counted)}
    out["aux_loss"] = (train_losses.balance_loss(routes, config)[0] if config.get("n_routed_experts")
                       else torch.zeros((), dtype=F64))
    out["total"] = out["loss"] + options["mtp_lambda"] * out["mtp_loss"] + options["aux_alpha"] * out["aux_loss"]
    return out


def build_model_case(out_dir, name, config, options):
    case_dir = os.path.join(out_dir, name)
    for attempt in range(make_train_cases.MAX_ATTEMPTS):
        gen = torch.Generator().manual_seed(zlib.crc32(name.encode()) + 7919 * attempt)
        tokens = torch.randint(0, config["vocab_size"], (B, T + 1), generator=gen).tolist()
        shutil.rmtree(case_dir, ignore_errors=True)
        checkpoint.save(case_dir, config, make_cases.random_weights(config, gen), "f32")
        config, W = checkpoint.load(case_dir)
        model.ROUTING_MARGINS.clear()
        with torch.no_grad():
            logp = torch.stack([grpo_losses.target_logprobs(model.forward(config, W, s[:-1])[0],
                                                            torch.as_tensor(s[1:]), options["temperature"])
                                for s in tokens])
        if min(model.ROUTING_MARGINS, default=np.inf) >= make_train_cases.MIN_ROUTING_MARGIN:
            break
    else:
        raise RuntimeError(f"{name}: no seed with a routing margin >= {make_train_cases.MIN_ROUTING_MARGIN}")
    logp_old, logp_ref = near_policy(gen, logp, 0.5), noisy(gen, logp, 0.3)
    for w in W.values():
        w.requires_grad_(True)
    out = model_step(config, W, tokens, logp_old, logp_ref, options)
    names = list(W)
    grads = torch.autograd.grad(out["total"], [W[n] for n in names], allow_unused=True)
    grads = {n: torch.zeros_like(W[n]) if g is None else g for n, g in zip(names, grads)}
    safetensors_io.write_file(os.path.join(case_dir, "grads.safetensors"),
                              {n: g.detach().to(torch.float32).contiguous() for n, g in grads.items()})
    expected = {k: float(out[k]) for k in ("total", "loss", "mtp_loss", "aux_loss")}
    expected.update(logp=out["logp"].tolist(), advantages=out["advantages"].tolist(), stats=out["stats"])
    with open(os.path.join(case_dir, "batch.json"), "w") as f:
        json.dump({"B": B, "T": T, "G": G, "tokens": tokens, "mask": MODEL_MASK, "rewards": MODEL_REWARDS,
                   "logp_old": logp_old.tolist(), "logp_ref": logp_ref.tolist(), "grpo": MODEL_GRPO,
                   "options": options, "expected": expected}, f, indent=2)
    s = out["stats"]
    print(f"  {name:12s} attempt={attempt} total={expected['total']:.6f} clip low/high="
          f"{s['clip_low_fraction']:.2f}/{s['clip_high_fraction']:.2f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, help="output directory (cases are regenerated every run)")
    args = parser.parse_args(argv)
    start = time.time()
    torch.set_num_threads(1)
    write_logit_cases(os.path.join(args.out, "logits"), torch.Generator().manual_seed(20250206))
    for name, config, options in model_cases():
        build_model_case(args.out, name, config, options)
    print(f"wrote the GRPO cases to {args.out} in {time.time() - start:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
