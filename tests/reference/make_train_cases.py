"""Whole-model training cases: tiny seeded checkpoints shaped like the `r1 init` presets, a fixed
batch, and float64 autograd of train_losses.step_loss for the gradient of every tensor.

Each case is DIR/<name>/ with the HF checkpoint (config.json, model.safetensors, f32),
batch.json ({B, T, tokens [B][T+1], mask [B][T], options: {mtp_lambda, aux_alpha, loss_tokens},
expected: {total, loss, mtp_loss, aux_loss, tokens, expert_load}}) and grads.safetensors: the
float32 gradient of `total` for every checkpoint tensor under its own name (zeros for
e_score_correction_bias, which only steers the top-k selection). DIR/cases.json lists the names.
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
import make_cases
import model
import safetensors_io
import train_losses

B, T = 2, 8
MIN_ROUTING_MARGIN = 1e-3  # f32 routing must choose the experts float64 chose
MAX_ATTEMPTS = 50


def preset_dense(model_type):
    """The tiny-qwen2 / tiny-llama presets of src/model/presets.cpp."""
    if model_type == "qwen2":
        return make_cases.dense_config("qwen2", vocab_size=1024, intermediate_size=160, head_dim=16,
                                       tie_word_embeddings=True, max_position_embeddings=1024)
    llama3 = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
              "original_max_position_embeddings": 64}
    return make_cases.dense_config("llama", vocab_size=1024, intermediate_size=160, head_dim=16,
                                   rms_norm_eps=1e-5, rope_theta=500000.0, rope_scaling=llama3,
                                   max_position_embeddings=1024)


def preset_tiny_v3():
    """The `tiny` preset: DeepSeek-V3 with sigmoid noaux_tc routing, YaRN and one MTP layer."""
    yarn = make_cases.yarn_scaling(original_max_position_embeddings=256, mscale=1.0, mscale_all_dim=1.0)
    return make_cases.deepseek_config(
        "deepseek_v3", vocab_size=1024, intermediate_size=128, q_lora_rank=32, num_experts_per_tok=2,
        n_group=2, topk_group=1, max_position_embeddings=1024, rope_scaling=yarn, num_nextn_predict_layers=1)


def case_list():
    """(name, config, options): qwen2 normalises by its own count, llama by a larger step count."""
    return [
        ("tiny_qwen2", preset_dense("qwen2"), {"mtp_lambda": 0.0, "aux_alpha": 0.0, "loss_tokens": 0}),
        ("tiny_llama", preset_dense("llama"), {"mtp_lambda": 0.0, "aux_alpha": 0.0, "loss_tokens": 20}),
        ("tiny_v3", preset_tiny_v3(), {"mtp_lambda": 0.3, "aux_alpha": 0.1, "loss_tokens": 0}),
    ]


def batch_mask():
    """Sequence 0 does not count its first 3 predictions (a prompt), sequence 1 its last 2 (padding)."""
    return [[0, 0, 0] + [1] * (T - 3), [1] * (T - 2) + [0, 0]]


def evaluate(case_dir, tokens, mask, options):
    """-> losses, gradients {name: float64} and the routing margin, from the stored checkpoint."""
    config, W = checkpoint.load(case_dir)
    for w in W.values():
        w.requires_grad_(True)
    model.ROUTING_MARGINS.clear()
    out = train_losses.step_loss(config, W, tokens, mask, **options)
    names = list(W)
    grads = torch.autograd.grad(out["total"], [W[n] for n in names], allow_unused=True)
    grads = {n: (torch.zeros_like(W[n]) if g is None else g) for n, g in zip(names, grads)}
    return out, grads, min(model.ROUTING_MARGINS, default=np.inf)


def build_case(out_dir, name, config, options):
    case_dir = os.path.join(out_dir, name)
    for attempt in range(MAX_ATTEMPTS):
        gen = torch.Generator().manual_seed(zlib.crc32(name.encode()) + 7919 * attempt)
        tokens = torch.randint(0, config["vocab_size"], (B, T + 1), generator=gen).tolist()
        shutil.rmtree(case_dir, ignore_errors=True)
        checkpoint.save(case_dir, config, make_cases.random_weights(config, gen), "f32")
        out, grads, margin = evaluate(case_dir, tokens, batch_mask(), options)
        if margin >= MIN_ROUTING_MARGIN:
            break
    else:
        raise RuntimeError(f"{name}: no seed with routing margin >= {MIN_ROUTING_MARGIN}")
    safetensors_io.write_file(os.path.join(case_dir, "grads.safetensors"),
                              {n: g.detach().to(torch.float32).contiguous() for n, g in grads.items()})
    expected = {k: float(out[k]) for k in ("total", "loss", "mtp_loss", "aux_loss")}
    expected.update(tokens=out["tokens"], expert_load=out["expert_load"])
    with open(os.path.join(case_dir, "batch.json"), "w") as f:
        json.dump({"B": B, "T": T, "tokens": tokens, "mask": batch_mask(), "options": options,
                   "expected": expected}, f, indent=2)
    print(f"  {name:12s} attempt={attempt} routing_margin={margin:.2e} total={expected['total']:.6f} "
          f"max|grad|={max(float(g.abs().max()) for g in grads.values()):.3e}")
    return name


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, help="output directory (cases are regenerated every run)")
    args = parser.parse_args(argv)
    start = time.time()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)
    names = [build_case(args.out, name, config, options) for name, config, options in case_list()]
    with open(os.path.join(args.out, "cases.json"), "w") as f:
        json.dump(names, f, indent=2)
    print(f"wrote {len(names)} training cases to {args.out} in {time.time() - start:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
