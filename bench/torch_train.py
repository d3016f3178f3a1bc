"""The PyTorch peer for training throughput: the same DeepSeek-V3-architecture model (MLA, MoE with
shared experts and sigmoid/noaux_tc routing, MTP) batched in float32 eager PyTorch, AdamW, N steps.

    /usr/bin/python3 bench/torch_train.py --model DIR --batch 4 --seq-len 256 --steps 5 --threads 2

DIR is a checkpoint written by `r1 init --config bench/models/v3-train-10m.json --dtype f32`.
Prints one JSON line: tokens_per_s (after --warmup steps), step_s, parameters.
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "reference"))
import checkpoint  # noqa: E402
import model as ref  # noqa: E402


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope(x, cos, sin):
    """Interleaved pairs (DeepSeek). x [B, T, ..., d]; cos, sin [T, d/2]."""
    shape = (1, cos.shape[0]) + (1,) * (x.dim() - 3) + (cos.shape[1],)
    cos, sin = cos.view(shape), sin.view(shape)
    a, b = x[..., 0::2], x[..., 1::2]
    return torch.stack([a * cos - b * sin, b * cos + a * sin], dim=-1).flatten(-2)


def mlp(x, W, name):
    gate, up = x @ W[name + ".gate_proj.weight"].T, x @ W[name + ".up_proj.weight"].T
    return (F.silu(gate) * up) @ W[name + ".down_proj.weight"].T


def mla(x, W, name, c, cos, sin, mask):
    """x [B, T, D] -> [B, T, D], the expanded (training) form."""
    B, T, _ = x.shape
    H, dn, dr, dv, r = (c["num_attention_heads"], c["qk_nope_head_dim"], c["qk_rope_head_dim"],
                        c["v_head_dim"], c["kv_lora_rank"])
    eps = c["rms_norm_eps"]
    if c.get("q_lora_rank"):
        q = rms_norm(x @ W[name + ".q_a_proj.weight"].T, W[name + ".q_a_layernorm.weight"], eps)
        q = q @ W[name + ".q_b_proj.weight"].T
    else:
        q = x @ W[name + ".q_proj.weight"].T
    q_nope, q_pe = q.view(B, T, H, dn + dr).split([dn, dr], dim=-1)
    latent, k_pe = (x @ W[name + ".kv_a_proj_with_mqa.weight"].T).split([r, dr], dim=-1)
    kv = rms_norm(latent, W[name + ".kv_a_layernorm.weight"], eps) @ W[name + ".kv_b_proj.weight"].T
    k_nope, v = kv.view(B, T, H, dn + dv).split([dn, dv], dim=-1)
    q = torch.cat([q_nope, rope(q_pe, cos, sin)], dim=-1).transpose(1, 2)  # [B, H, T, dn+dr]
    k_pe = rope(k_pe, cos, sin).unsqueeze(2).expand(B, T, H, dr)
    k = torch.cat([k_nope, k_pe], dim=-1).transpose(1, 2)  # [B, H, T, dn+dr]
    scores = (q @ k.transpose(-1, -2)) * ref.mla_softmax_scale(c) + mask  # [B, H, T, T]
    out = torch.softmax(scores, dim=-1) @ v.transpose(1, 2)  # [B, H, T, dv]
    return out.transpose(1, 2).reshape(B, T, H * dv) @ W[name + ".o_proj.weight"].T


def moe(x, W, name, c):
    """Routed experts over their gathered tokens plus shared experts; -> out, balance loss."""
    B, T, D = x.shape
    flat = x.reshape(B * T, D)
    logits = flat @ W[name + ".gate.weight"].T  # [N, E]
    scores = torch.sigmoid(logits) if c.get("scoring_func") == "sigmoid" else logits.softmax(-1)
    choice = scores.detach()
    if c.get("topk_method") == "noaux_tc":
        choice = choice + W[name + ".gate.e_score_correction_bias"]
    K, E = c["num_experts_per_tok"], scores.shape[1]
    idx = choice.topk(K, dim=-1).indices  # [N, K] (n_group 1)
    weights = scores.gather(1, idx)
    if K > 1 and c.get("norm_topk_prob"):
        weights = weights / (weights.sum(-1, keepdim=True) + 1e-20)
    weights = weights * c.get("routed_scaling_factor", 1.0)
    out = torch.zeros_like(flat)
    for e in idx.unique().tolist():
        rows, slot = (idx == e).nonzero(as_tuple=True)
        y = mlp(flat[rows], W, f"{name}.experts.{e}")
        out.index_add_(0, rows, y * weights[rows, slot].unsqueeze(-1))
    if c.get("n_shared_experts"):
        out = out + mlp(flat, W, name + ".shared_experts")
    counts = torch.zeros(B, E).scatter_add_(1, idx.view(B, T * K), torch.ones(B, T * K))
    f = counts * E / (K * T)  # [B, E]
    p = (scores / scores.sum(-1, keepdim=True)).view(B, T, E).mean(1)  # [B, E]
    return out.view(B, T, D), (f * p).sum(-1).mean()


def layer(x, W, i, c, cos, sin, mask):
    p, eps = f"model.layers.{i}", c["rms_norm_eps"]
    h = x + mla(rms_norm(x, W[p + ".input_layernorm.weight"], eps), W, p + ".self_attn", c, cos, sin,
                mask)
    n = rms_norm(h, W[p + ".post_attention_layernorm.weight"], eps)
    if ref.is_moe_layer(c, i):
        y, balance = moe(n, W, p + ".mlp", c)
        return h + y, balance
    return h + mlp(n, W, p + ".mlp"), 0.0


def loss(W, c, tokens, mtp_lambda, aux_alpha):
    """tokens [B, T+1] -> main CE + mtp_lambda * MTP CE + aux_alpha * balance loss."""
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    T, L, eps = inputs.shape[1], c["num_hidden_layers"], c["rms_norm_eps"]
    cos, sin = (t.float() for t in ref.rope_tables(c, T))
    mask = torch.full((T, T), float("-inf")).triu(1)
    h, balance = W["model.embed_tokens.weight"][inputs], 0.0
    for i in range(L):
        h, b = layer(h, W, i, c, cos, sin, mask)
        balance = balance + b
    head = W["model.embed_tokens.weight"] if c.get("tie_word_embeddings") else W["lm_head.weight"]
    logits = rms_norm(h, W["model.norm.weight"], eps) @ head.T
    total = F.cross_entropy(logits.flatten(0, 1), targets.flatten())
    if mtp_lambda > 0 and c.get("num_nextn_predict_layers"):
        p = f"model.layers.{L}"
        e = rms_norm(W[p + ".embed_tokens.weight"][targets[:, :-1]], W[p + ".enorm.weight"], eps)
        u = torch.cat([e, rms_norm(h[:, :-1], W[p + ".hnorm.weight"], eps)], dim=-1)
        u = u @ W[p + ".eh_proj.weight"].T
        out, b = layer(u, W, L, c, cos[:-1], sin[:-1], mask[:-1, :-1])
        mtp_logits = rms_norm(out, W[p + ".shared_head.norm.weight"], eps)
        mtp_logits = mtp_logits @ W[p + ".shared_head.head.weight"].T
        total = total + mtp_lambda * F.cross_entropy(mtp_logits.flatten(0, 1),
                                                     tokens[:, 2:].flatten())
    return total + aux_alpha * balance


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq-len", type=int, default=256)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--mtp-lambda", type=float, default=0.3)
    ap.add_argument("--aux-alpha", type=float, default=1e-4)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    c, stored = checkpoint.load(args.model)
    W = {k: v.float().requires_grad_(not k.endswith("e_score_correction_bias"))
         for k, v in stored.items()}
    params = [v for v in W.values() if v.requires_grad]
    decay = [v for v in params if v.dim() >= 2]
    no_decay = [v for v in params if v.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": no_decay, "weight_decay": 0.0}], lr=1e-3)
    B, T = args.batch, args.seq_len
    tokens = torch.randint(0, c["vocab_size"], (args.steps + args.warmup, B, T + 1))
    for s in range(args.warmup + args.steps):
        if s == args.warmup:
            start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        value = loss(W, c, tokens[s], args.mtp_lambda, args.aux_alpha)
        value.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
    elapsed = time.perf_counter() - start
    print(json.dumps({"tokens_per_s": B * T * args.steps / elapsed, "step_s": elapsed / args.steps,
                      "parameters": sum(v.numel() for v in W.values()),
                      "loss": float(value), "threads": args.threads}))


if __name__ == "__main__":
    main()
