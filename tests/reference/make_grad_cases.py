"""Write small seeded cases for the C++ backward kernels: inputs, an upstream gradient and the
gradients PyTorch autograd computes in float64 from the same (float32-rounded) inputs.

Every case is a directory DIR/<name>/ with params.json (kind, sizes, scalars) and .npy files:
float32 arrays for tensors, int32 for token ids and masks. The forward passes below are written
from the definitions, independently of src/.
"""
import argparse
import json
import os
import shutil
import sys
import zlib

import numpy as np
import torch

import model

F64 = torch.float64


def rand(gen, *shape, scale=1.0):
    """Random float32-representable values, as float64 leaf tensors."""
    return (torch.randn(*shape, generator=gen) * scale).to(torch.float32).to(F64).requires_grad_()


def grads(out, upstream, *leaves):
    return torch.autograd.grad(out, leaves, grad_outputs=upstream)


# ----------------------------------------------------------------------------- forwards

def rmsnorm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope(x, offset, dim, pos0, inv_freq, mscale, layout):
    """x: [T, H, stride]; rotates dims [offset, offset + dim) of each head."""
    T = x.shape[0]
    half = dim // 2
    # The angles as the C++ kernel forms them: float32 position times float32 frequency.
    pos = torch.arange(pos0, pos0 + T, dtype=torch.float32)
    angle = (pos[:, None] * inv_freq[None, :].to(torch.float32)).to(F64)  # [T, half]
    c = (torch.cos(angle) * mscale)[:, None, :]
    s = (torch.sin(angle) * mscale)[:, None, :]
    sl = x[:, :, offset:offset + dim]
    if layout == "interleaved":
        a, b = sl[..., 0::2], sl[..., 1::2]
        rot = torch.stack([a * c - b * s, b * c + a * s], dim=-1).reshape(sl.shape)
    else:
        a, b = sl[..., :half], sl[..., half:]
        rot = torch.cat([a * c - b * s, b * c + a * s], dim=-1)
    return torch.cat([x[:, :, :offset], rot, x[:, :, offset + dim:]], dim=-1)


def attention(q, k, v, pos0, scale):
    """q: [T, H, dk], k: [S, Hk, dk], v: [S, Hk, dv] -> [T, H, dv], causal from position pos0."""
    T, H, _ = q.shape
    S, Hk, _ = k.shape
    group = H // Hk
    kx = k.repeat_interleave(group, dim=1)  # query head h reads kv head h // group
    vx = v.repeat_interleave(group, dim=1)
    scores = torch.einsum("thd,shd->hts", q, kx) * scale
    visible = torch.arange(S)[None, :] <= (pos0 + torch.arange(T))[:, None]  # [T, S]
    scores = scores.masked_fill(~visible[None], float("-inf"))
    return torch.einsum("hts,shd->thd", torch.softmax(scores, dim=-1), vx)


# ----------------------------------------------------------------------------- cases

def case_linear(gen, T=5, n_in=7, n_out=6):
    x, W, b = rand(gen, T, n_in), rand(gen, n_out, n_in), rand(gen, n_out)
    dy = rand(gen, T, n_out)
    dx, dW, db = grads(x @ W.T + b, dy, x, W, b)
    return dict(T=T, n_in=n_in, n_out=n_out), dict(x=x, W=W, b=b, dy=dy, dx=dx, dW=dW, db=db)


def case_rmsnorm(gen, T=4, D=10, eps=1e-6):
    x, w, dy = rand(gen, T, D), rand(gen, D), rand(gen, T, D)
    dx, dw = grads(rmsnorm(x, w, eps), dy, x, w)
    return dict(T=T, D=D, eps=eps), dict(x=x, w=w, dy=dy, dx=dx, dw=dw)


def case_silu_mul(gen, n=37):
    gate, up, dout = rand(gen, n, scale=3.0), rand(gen, n), rand(gen, n)
    dgate, dup = grads(torch.nn.functional.silu(gate) * up, dout, gate, up)
    return dict(n=n), dict(gate=gate, up=up, dout=dout, dgate=dgate, dup=dup)


def case_softmax(gen, rows=3, n=9):
    x, dy = rand(gen, rows, n, scale=2.0), rand(gen, rows, n)
    (dx,) = grads(torch.softmax(x, dim=-1), dy, x)
    return dict(rows=rows, n=n), dict(x=x, dy=dy, dx=dx)


def case_rope(layout):
    def make(gen, T=3, H=2, stride=14, offset=2, dim=8, pos0=5, mscale=1.3):
        x, dy = rand(gen, T, H, stride), rand(gen, T, H, stride)
        inv_freq = (10000.0 ** (-torch.arange(0, dim, 2, dtype=F64) / dim)).to(torch.float32)
        (dx,) = grads(rope(x, offset, dim, pos0, inv_freq, mscale, layout), dy, x)
        params = dict(T=T, H=H, stride=stride, offset=offset, dim=dim, pos0=pos0, mscale=mscale,
                      layout=layout)
        return params, dict(inv_freq=inv_freq.to(F64), dy=dy, dx=dx)
    return make


def case_attention(T, S, H, Hk, dk, dv, pos0, scale):
    def make(gen):
        q, k, v = rand(gen, T, H, dk), rand(gen, S, Hk, dk), rand(gen, S, Hk, dv)
        dout = rand(gen, T, H, dv)
        dq, dk_, dv_ = grads(attention(q, k, v, pos0, scale), dout, q, k, v)
        params = dict(T=T, S=S, H=H, Hk=Hk, dk=dk, dv=dv, pos0=pos0, scale=scale)
        return params, dict(q=q, k=k, v=v, dout=dout, dq=dq, dk=dk_, dv=dv_)
    return make


def case_cross_entropy(masked):
    def make(gen, T=6, V=11):
        logits = rand(gen, T, V, scale=3.0)
        targets = torch.randint(0, V, (T,), generator=gen)
        mask = torch.tensor([0, 1, 1, 0, 1, 1] if masked else [1] * T, dtype=torch.int32)
        per_token = torch.nn.functional.cross_entropy(logits, targets, reduction="none")
        loss = (per_token * mask).sum() / mask.sum()
        (dlogits,) = torch.autograd.grad(loss, logits)
        if masked:
            targets = torch.where(mask.bool(), targets, torch.full_like(targets, -1))  # padding
        params = dict(T=T, V=V, loss=float(loss))
        return params, dict(logits=logits, targets=targets, mask=mask, dlogits=dlogits)
    return make


def case_embedding(gen, T=7, V=5, D=6):
    E = rand(gen, V, D)
    tokens = torch.tensor([3, 0, 3, 4, 3, 1, 0])
    dx = rand(gen, T, D)
    (dE,) = grads(E[tokens], dx, E)
    return dict(T=T, V=V, D=D), dict(tokens=tokens, dx=dx, dE=dE)


# ----------------------------------------------------------------------------- DeepSeek blocks
# Forwards from model.py (the independent reference of the whole model); weights are named as in
# the checkpoint (file <name>.npy), their gradients grad.<name>.npy, and params.json carries the
# HF config the C++ side parses.

def ds_config(**over):
    c = dict(model_type="deepseek_v3", vocab_size=16, hidden_size=8, intermediate_size=12,
             num_hidden_layers=1, num_attention_heads=2, max_position_embeddings=64,
             rms_norm_eps=1e-6, rope_theta=10000.0, q_lora_rank=None, kv_lora_rank=6,
             qk_nope_head_dim=4, qk_rope_head_dim=4, v_head_dim=3, n_routed_experts=8,
             n_shared_experts=1, num_experts_per_tok=3, moe_intermediate_size=5, n_group=4,
             topk_group=2, topk_method="noaux_tc", scoring_func="sigmoid", norm_topk_prob=True,
             routed_scaling_factor=2.5, first_k_dense_replace=0, num_nextn_predict_layers=0)
    c.update(over)
    return c


def norm_weight(gen, n):
    return (1.0 + 0.2 * torch.randn(n, generator=gen)).to(torch.float32).to(F64).requires_grad_()


def mla_weights(gen, c, p):
    D, H, r = c["hidden_size"], c["num_attention_heads"], c["kv_lora_rank"]
    dn, dr, dv = c["qk_nope_head_dim"], c["qk_rope_head_dim"], c["v_head_dim"]
    W, s = {}, 0.4
    if c["q_lora_rank"] is None:
        W[p + "q_proj.weight"] = rand(gen, H * (dn + dr), D, scale=s)
    else:
        W[p + "q_a_proj.weight"] = rand(gen, c["q_lora_rank"], D, scale=s)
        W[p + "q_a_layernorm.weight"] = norm_weight(gen, c["q_lora_rank"])
        W[p + "q_b_proj.weight"] = rand(gen, H * (dn + dr), c["q_lora_rank"], scale=s)
    W[p + "kv_a_proj_with_mqa.weight"] = rand(gen, r + dr, D, scale=s)
    W[p + "kv_a_layernorm.weight"] = norm_weight(gen, r)
    W[p + "kv_b_proj.weight"] = rand(gen, H * (dn + dv), r, scale=s)
    W[p + "o_proj.weight"] = rand(gen, D, H * dv, scale=s)
    return W


def mlp_weights(gen, p, D, inter):
    return {p + "gate_proj.weight": rand(gen, inter, D, scale=0.5),
            p + "up_proj.weight": rand(gen, inter, D, scale=0.5),
            p + "down_proj.weight": rand(gen, D, inter, scale=0.5)}


def moe_weights(gen, c, p):
    D, E, inter = c["hidden_size"], c["n_routed_experts"], c["moe_intermediate_size"]
    W = {p + "gate.weight": rand(gen, E, D)}
    if c["topk_method"] == "noaux_tc":
        W[p + "gate.e_score_correction_bias"] = rand(gen, E, scale=0.1)
    for e in range(E):
        W.update(mlp_weights(gen, f"{p}experts.{e}.", D, inter))
    if c["n_shared_experts"]:
        W.update(mlp_weights(gen, p + "shared_experts.", D, inter * c["n_shared_experts"]))
    return W


def trainable(W):
    return {n: w for n, w in W.items() if "e_score_correction_bias" not in n}


def block_case(params, W, inputs, out, upstream, extra_loss=0.0):
    """Gradients of sum(out * upstream) + extra_loss for the inputs and every trainable weight."""
    T = trainable(W)
    leaves = list(inputs.values()) + list(T.values())
    g = torch.autograd.grad((out * upstream).sum() + extra_loss, leaves, allow_unused=True)
    arrays = dict(W)
    arrays["y"] = out
    arrays["dy"] = upstream
    names = ["d" + n for n in inputs] + ["grad." + n for n in T]
    for name, leaf, grad in zip(names, leaves, g):  # None: an expert no token chose
        arrays[name] = torch.zeros_like(leaf) if grad is None else grad
    arrays.update(inputs)
    return params, arrays


def case_mla(spans, **over):
    def make(gen):
        c = ds_config(**over)
        x = rand(gen, sum(spans), c["hidden_size"])
        W = mla_weights(gen, c, "model.layers.0.self_attn.")
        outs, row = [], 0
        for n in spans:  # every sequence causal on its own rows, positions from 0
            cos, sin = model.rope_tables(c, n)
            outs.append(model.mla_attention(x[row:row + n], W, "model.layers.0.self_attn", c, cos, sin))
            row += n
        y = torch.cat(outs)
        dy = rand(gen, *y.shape)
        return block_case(dict(config=c, spans=spans), W, dict(x=x), y, dy)
    return make


def balance_loss(c, scores, idx, spans, alpha):
    """alpha * mean over sequences of sum_i f_i P_i (DeepSeek-V3 eqs. 17-20)."""
    E, K = c["n_routed_experts"], c["num_experts_per_tok"]
    total, row = 0.0, 0
    for n in spans:
        counts = torch.zeros(E, dtype=F64).index_add_(0, idx[row:row + n].reshape(-1),
                                                      torch.ones(n * K, dtype=F64))
        f = counts * E / (K * n)
        s = scores[row:row + n]
        P = (s / s.sum(-1, keepdim=True)).mean(0)
        total = total + (f * P).sum()
        row += n
    return alpha * total / len(spans)


def case_moe(spans, alpha, **over):
    def make(gen):
        c = ds_config(**over)
        for _ in range(100):  # weights whose routing is clear of ties (margin in the C++ f32)
            model.ROUTING_MARGINS.clear()
            x = rand(gen, sum(spans), c["hidden_size"])
            W = moe_weights(gen, c, "model.layers.0.mlp.")
            y = model.moe(x, W, "model.layers.0.mlp", c)
            if min(model.ROUTING_MARGINS) > 2e-3:
                break
        else:
            raise RuntimeError("no seed with a clear routing margin")
        scores, _ = model.route_scores(x, W, "model.layers.0.mlp.gate", c)
        idx, _ = model.moe_gate(x, W, "model.layers.0.mlp.gate", c)
        loss = balance_loss(c, scores, idx, spans, alpha)
        dy = rand(gen, *y.shape)
        params = dict(config=c, spans=spans, alpha=alpha, balance_loss=float(loss),
                      experts=idx.tolist())
        return block_case(params, W, dict(x=x), y, dy, extra_loss=loss)
    return make


def case_mtp(gen, T=7):
    """model.py's mtp_forward (depth 1, an MoE block) over one sequence of T tokens."""
    c = ds_config(q_lora_rank=4, num_nextn_predict_layers=1)
    D, V, p = c["hidden_size"], c["vocab_size"], "model.layers.1."
    for _ in range(100):
        model.ROUTING_MARGINS.clear()
        W = {p + "embed_tokens.weight": rand(gen, V, D), p + "enorm.weight": norm_weight(gen, D),
             p + "hnorm.weight": norm_weight(gen, D), p + "eh_proj.weight": rand(gen, D, 2 * D, scale=0.4),
             p + "input_layernorm.weight": norm_weight(gen, D),
             p + "post_attention_layernorm.weight": norm_weight(gen, D),
             p + "shared_head.norm.weight": norm_weight(gen, D),
             p + "shared_head.head.weight": rand(gen, V, D)}
        W.update(mla_weights(gen, c, p + "self_attn."))
        W.update(moe_weights(gen, c, p + "mlp."))
        tokens = torch.randint(0, V, (T,), generator=gen)
        hidden = rand(gen, T, D)
        logits = model.mtp_forward(c, W, tokens, hidden)
        if min(model.ROUTING_MARGINS) > 2e-3:
            break
    else:
        raise RuntimeError("no seed with a clear routing margin")
    dlogits = rand(gen, *logits.shape)
    params, arrays = block_case(dict(config=c, spans=[T - 1]), W, dict(hidden=hidden), logits, dlogits)
    arrays["tokens"] = tokens
    return params, arrays


CASES = {
    "linear": case_linear,
    "rmsnorm": case_rmsnorm,
    "silu_mul": case_silu_mul,
    "softmax": case_softmax,
    "rope_interleaved": case_rope("interleaved"),
    "rope_half": case_rope("half"),
    "attention_mha": case_attention(T=5, S=5, H=3, Hk=3, dk=4, dv=5, pos0=0, scale=0.5),
    # 4 queries at positions 3..6 of 8 keys (key 7 is seen by none), 2 query heads per kv head
    "attention_gqa_offset": case_attention(T=4, S=8, H=4, Hk=2, dk=8, dv=6, pos0=3, scale=0.35),
    "attention_mqa": case_attention(T=6, S=6, H=4, Hk=1, dk=6, dv=3, pos0=0, scale=0.4),
    "cross_entropy": case_cross_entropy(masked=False),
    "cross_entropy_masked": case_cross_entropy(masked=True),
    "embedding": case_embedding,
    "mla_q_lora_yarn": case_mla([5], q_lora_rank=5, rope_scaling=dict(
        type="yarn", factor=4.0, original_max_position_embeddings=16, beta_fast=32, beta_slow=1,
        mscale=1.0, mscale_all_dim=0.8)),
    "mla_q_proj_two_sequences": case_mla([3, 4]),
    "moe_sigmoid_noaux_tc": case_moe([4, 5], alpha=0.3),
    "moe_softmax_greedy": case_moe([6], alpha=0.0, model_type="deepseek_v2", n_group=1,
                                   topk_group=1, topk_method="greedy", scoring_func="softmax",
                                   norm_topk_prob=False, routed_scaling_factor=1.5,
                                   num_experts_per_tok=2, n_shared_experts=2),
    "moe_softmax_group_limited": case_moe([7], alpha=0.1, model_type="deepseek_v2", n_group=4,
                                          topk_group=2, topk_method="group_limited_greedy",
                                          scoring_func="softmax", norm_topk_prob=True,
                                          routed_scaling_factor=3.0, n_shared_experts=0),
    "mtp_moe_block": case_mtp,
}


def save(case_dir, arrays):
    for name, t in arrays.items():
        t = t.detach()
        a = t.to(torch.int32).numpy() if not t.is_floating_point() else t.to(torch.float32).numpy()
        np.save(os.path.join(case_dir, name + ".npy"), a)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, help="output directory (regenerated every run)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    shutil.rmtree(args.out, ignore_errors=True)
    os.makedirs(args.out)
    for name, make in CASES.items():
        gen = torch.Generator().manual_seed(zlib.crc32(name.encode()))
        params, arrays = make(gen)
        case_dir = os.path.join(args.out, name)
        os.makedirs(case_dir)
        save(case_dir, arrays)
        with open(os.path.join(case_dir, "params.json"), "w") as f:
            json.dump(params, f, indent=2)
    print(f"wrote {len(CASES)} gradient cases to {args.out}")


if __name__ == "__main__":
    sys.exit(main())
