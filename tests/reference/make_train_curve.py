"""The loss curve of 20 AdamW steps in PyTorch from a tiny seeded checkpoint on a token file read
in `r1 pretrain --data-order sequential` order, for tests/unit/train_curve_test.cpp to reproduce.

Row b of step s is the T+1 tokens starting at offset (s*B + b)*T of the token file, wrapping
around. Gradients are dense, as in r1's one gradient buffer (and Megatron's): every trainable
tensor has a gradient every step, zero for an expert no token chose, so AdamW updates its moments
and decays it (PyTorch would skip a tensor whose .grad is None). Each step: the loss of train_losses.step_loss (float64 autograd) is logged before the
update; then clip_grad_norm_, torch.optim.AdamW (weight decay on the >= 2-D tensors only) at
LambdaLR's rate (make_optim_cases.lr_factor), and DeepSeek-V3's expert-bias rule on the main
MoE layers: bias += gamma * sign(mean load - load).

Each case is DIR/<name>/ with the checkpoint (model/), tokens.bin (uint32) and curve.json
({"flags": the r1 pretrain flags, "losses": [20 floats]}). DIR/cases.json lists the names.
"""
import argparse
import json
import os
import shutil
import sys
import zlib

import numpy as np
import torch

import checkpoint
import make_cases
import make_optim_cases
import make_train_cases
import model
import train_losses

STEPS, B, T = 20, 2, 8
HYPER = {"lr": 3e-3, "warmup": 3, "schedule": "cosine", "min_lr_ratio": 0.1, "clip": 1.0, "wd": 0.1,
         "beta1": 0.9, "beta2": 0.95, "eps": 1e-8}


def case_list():
    """(name, config, loss options, bias-update gamma)."""
    return [
        ("tiny_qwen2", make_train_cases.preset_dense("qwen2"), {"mtp_lambda": 0.0, "aux_alpha": 0.0}, 0.0),
        ("tiny_v3", make_train_cases.preset_tiny_v3(), {"mtp_lambda": 0.3, "aux_alpha": 0.01}, 1e-3),
    ]


def token_stream(vocab, gen):
    """A short random phrase repeated with a few random tokens between repeats: learnable, so the
    loss falls within 20 steps."""
    phrase = torch.randint(0, vocab, (23,), generator=gen).tolist()
    out = []
    while len(out) < 400:
        out += phrase + torch.randint(0, vocab, (3,), generator=gen).tolist()
    return out


def batch(tokens, step):
    n = len(tokens)
    return [[tokens[((step * B + b) * T + i) % n] for i in range(T + 1)] for b in range(B)]


def run_curve(model_dir, tokens, options, gamma):
    config, W = checkpoint.load(model_dir)
    trainable = [n for n in W if not n.endswith("e_score_correction_bias")]
    for n in trainable:
        W[n].requires_grad_(True)
        W[n].grad = torch.zeros_like(W[n])
    decay = [W[n] for n in trainable if W[n].dim() >= 2]
    no_decay = [W[n] for n in trainable if W[n].dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": HYPER["wd"]},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=HYPER["lr"], betas=(HYPER["beta1"], HYPER["beta2"]), eps=HYPER["eps"])
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: make_optim_cases.lr_factor(
        s, HYPER["warmup"], STEPS, HYPER["schedule"], HYPER["min_lr_ratio"]))
    moe_layers = [i for i in range(config["num_hidden_layers"])
                  if config.get("n_routed_experts") and model.is_moe_layer(config, i)]
    losses = []
    for step in range(STEPS):
        opt.zero_grad(set_to_none=False)
        out = train_losses.step_loss(config, W, batch(tokens, step), [[1] * T] * B, **options)
        losses.append(float(out["loss"]))
        out["total"].backward()
        torch.nn.utils.clip_grad_norm_([W[n] for n in trainable], HYPER["clip"])
        opt.step()
        sched.step()
        with torch.no_grad():
            for layer, load in zip(moe_layers, out["expert_load"]):
                load = torch.tensor(load, dtype=torch.float64)
                bias = W[f"model.layers.{layer}.mlp.gate.e_score_correction_bias"]
                bias += gamma * torch.sign(load.mean() - load)
    return losses


def build_case(out_dir, name, config, options, gamma):
    case_dir = os.path.join(out_dir, name)
    shutil.rmtree(case_dir, ignore_errors=True)
    gen = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    model_dir = os.path.join(case_dir, "model")
    checkpoint.save(model_dir, config, make_cases.random_weights(config, gen), "f32")
    tokens = token_stream(config["vocab_size"], gen)
    np.asarray(tokens, dtype="<u4").tofile(os.path.join(case_dir, "tokens.bin"))
    losses = run_curve(model_dir, tokens, options, gamma)
    flags = dict(HYPER, steps=STEPS, batch=B, seq_len=T, data_order="sequential",
                 mtp_lambda=options["mtp_lambda"], aux_alpha=options["aux_alpha"],
                 bias_update_gamma=gamma)
    with open(os.path.join(case_dir, "curve.json"), "w") as f:
        json.dump({"flags": flags, "losses": losses}, f, indent=2)
    print(f"  {name:12s} loss {losses[0]:.4f} -> {losses[-1]:.4f}")
    return name


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, help="output directory (regenerated every run)")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)
    names = [build_case(args.out, *case) for case in case_list()]
    with open(os.path.join(args.out, "cases.json"), "w") as f:
        json.dump(names, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
