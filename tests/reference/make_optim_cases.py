"""Expected AdamW trajectories from PyTorch itself: torch.optim.AdamW (two parameter groups:
with and without weight decay) driven by LambdaLR with the warmup + constant/cosine factor of
src/train/lr_schedule.h, and torch.nn.utils.clip_grad_norm_ before every step.

Every case is a directory DIR/<name>/ with params.json (hyper-parameters, schedule and the
tensors' layout in one flat buffer: name, shape, offset, weight_decay, trainable) and float32
.npy files: init [total], grads [steps, total], expected [steps, total] (the buffer after each
step) and norms [steps] (the pre-clip norm clip_grad_norm_ returned).
"""
import argparse
import json
import math
import os

import numpy as np
import torch

# name, shape, weight_decay, trainable (the non-trainable one stands for e_score_correction_bias)
TENSORS = [
    ("embed.weight", (11, 8), True, True),
    ("norm.weight", (8,), False, True),
    ("proj.weight", (5, 8), True, True),
    ("proj.bias", (5,), False, True),
    ("gate.e_score_correction_bias", (4,), False, False),
    ("experts.weight", (3, 6, 7), True, True),
]


def lr_factor(step, warmup, total, decay, min_ratio):
    """The multiplier of step `step` (0-based), as lr_schedule.h defines it."""
    if step < warmup:
        return (step + 1) / warmup
    if decay == "constant":
        return 1.0
    span = total - warmup
    progress = 1.0 if span <= 0 else min(1.0, (step - warmup) / span)
    return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))


def layout():
    entries, offset = [], 0
    for name, shape, decay, trainable in TENSORS:
        numel = int(np.prod(shape))
        entries.append(dict(name=name, shape=list(shape), offset=offset, numel=numel,
                            weight_decay=decay, trainable=trainable))
        offset += (numel + 15) // 16 * 16  # 64-byte aligned, as ParamLayout packs
    return entries, offset


def make_case(out, name, seed, steps, lr, betas, eps, wd, clip, warmup, decay, min_ratio):
    gen = torch.Generator().manual_seed(seed)
    entries, total = layout()
    init = np.zeros(total, np.float32)
    params = []
    for e in entries:
        t = torch.randn(*e["shape"], generator=gen)
        init[e["offset"]:e["offset"] + e["numel"]] = t.numpy().ravel()
        params.append(t.clone().requires_grad_(e["trainable"]))
    trainable = [(e, p) for e, p in zip(entries, params) if e["trainable"]]
    groups = [dict(params=[p for e, p in trainable if e["weight_decay"]], weight_decay=wd),
              dict(params=[p for e, p in trainable if not e["weight_decay"]], weight_decay=0.0)]
    opt = torch.optim.AdamW(groups, lr=lr, betas=betas, eps=eps)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: lr_factor(s, warmup, steps, decay, min_ratio))
    grads = np.zeros((steps, total), np.float32)
    expected = np.zeros((steps, total), np.float32)
    norms = np.zeros(steps, np.float32)
    for s in range(steps):
        # Gradient sizes vary from step to step so that clipping acts on some steps only.
        scale = 0.05 * (1 + 3 * (s % 3))
        for e, p in trainable:
            g = torch.randn(*e["shape"], generator=gen) * scale
            p.grad = g.clone()
            grads[s, e["offset"]:e["offset"] + e["numel"]] = g.numpy().ravel()
        if clip > 0:
            norms[s] = float(torch.nn.utils.clip_grad_norm_([p for _, p in trainable], clip))
        else:
            norms[s] = float(torch.norm(torch.stack([p.grad.norm() for _, p in trainable])))
        opt.step()
        sched.step()
        for e, p in zip(entries, params):
            expected[s, e["offset"]:e["offset"] + e["numel"]] = p.detach().numpy().ravel()
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    meta = dict(steps=steps, total=total, lr=lr, beta1=betas[0], beta2=betas[1], eps=eps,
                weight_decay=wd, clip=clip, warmup=warmup, decay=decay, min_lr_ratio=min_ratio,
                entries=entries)
    with open(os.path.join(d, "params.json"), "w") as f:
        json.dump(meta, f, indent=1)
    for key, arr in dict(init=init, grads=grads, expected=expected, norms=norms).items():
        np.save(os.path.join(d, key + ".npy"), arr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    out = ap.parse_args().out
    make_case(out, "cosine_clip", 1, 20, 3e-3, (0.9, 0.95), 1e-8, 0.1, 1.0, 5, "cosine", 0.1)
    make_case(out, "constant_noclip", 2, 20, 1e-2, (0.8, 0.999), 1e-6, 0.3, 0.0, 3, "constant", 0.1)
    make_case(out, "cosine_floor", 3, 20, 1e-3, (0.9, 0.95), 1e-8, 0.0, 0.5, 0, "cosine", 0.0)


if __name__ == "__main__":
    main()
