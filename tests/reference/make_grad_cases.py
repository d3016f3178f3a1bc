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
