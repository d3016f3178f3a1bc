"""Self-tests of the reference: fp8 table, safetensors round trip, MLA cross-checks, routing, causality, cases."""
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

import checkpoint
import fp8
import logits as logits_cli
import make_cases
import model
import safetensors_io

HERE = os.path.dirname(os.path.abspath(__file__))


# ----------------------------------------------------------------------------- (d) fp8

def fp8_by_bits(code):
    """E4M3 -> float via float32 bit assembly (independent of fp8.decode_fp8's arithmetic)."""
    s, e, m = code >> 7, (code >> 3) & 0xF, code & 7
    if e == 15 and m == 7:
        return math.nan
    if e == 0:
        value = m * 2.0**-9
        return -value if s else value
    bits = (s << 31) | ((e - 7 + 127) << 23) | (m << 20)
    return struct.unpack("<f", struct.pack("<I", bits))[0]


def check_fp8():
    codes = np.arange(256, dtype=np.uint8)
    table = np.array([fp8_by_bits(int(c)) for c in codes])
    got = fp8.decode_fp8(codes)
    assert np.array_equal(np.isnan(got), np.isnan(table)) and np.isnan(table).sum() == 2
    assert np.array_equal(got[~np.isnan(got)], table[~np.isnan(table)])
    anchors = {0x00: 0.0, 0x01: 2.0**-9, 0x07: 7 * 2.0**-9, 0x08: 2.0**-6, 0x38: 1.0, 0x7E: 448.0, 0xFE: -448.0}
    assert all(got[c] == v for c, v in anchors.items())
    finite = codes[~np.isnan(table)]
    assert np.array_equal(fp8.encode_fp8(table[finite]), finite), "encode(decode(c)) != c"
    # Midpoints of neighbouring codes go to the even code; a nudge either way goes to the nearer one.
    pos = table[:0x7F]
    mid = (pos[:-1] + pos[1:]) / 2
    even = np.where(np.arange(0x7E) % 2 == 0, np.arange(0x7E), np.arange(1, 0x7F))
    assert np.array_equal(fp8.encode_fp8(mid), even)
    assert np.array_equal(fp8.encode_fp8(-mid), even | 0x80)
    assert np.array_equal(fp8.encode_fp8(np.nextafter(mid, 0)), np.arange(0x7E))
    assert np.array_equal(fp8.encode_fp8(np.nextafter(mid, np.inf)), np.arange(1, 0x7F))
    special = fp8.encode_fp8([464.0, 1e9, np.inf, -np.inf, np.nan, -0.0, 2.0**-11, 2.0**-10 * 1.01])
    assert list(special) == [0x7E, 0x7E, 0x7E, 0xFE, 0x7F, 0x80, 0x00, 0x01], list(special)
    check_block_quantiser()
    print("fp8: 256-code table, round trip, ties-to-even, saturation, block quantiser OK")


def check_block_quantiser():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((300, 136)) * 0.05
    w[128:256, 0:128] = 0.0  # an all-zero block gets scale 1
    codes, scale_inv = fp8.quantize_blocks(w)
    assert scale_inv.shape == (3, 2) and scale_inv.dtype == np.float32 and scale_inv[1, 0] == 1.0
    back = fp8.dequantize_blocks(codes, scale_inv)
    for bi, bj, rs, cs in fp8._blocks(w.shape, (128, 128)):
        amax = np.abs(w[rs, cs]).max()
        assert np.abs(back[rs, cs] - w[rs, cs]).max() <= amax / 448 * 16 + 1e-300  # half an ulp at 448
        if amax > 0:
            assert np.abs(codes[rs, cs] & 0x7F).max() == 0x7E  # the block max maps to +-448


# ----------------------------------------------------------------------------- (c) safetensors

def check_safetensors():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "a.safetensors")
        header = json.dumps({"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
        with open(path, "wb") as f:  # hand-made file, to not only test the writer against its reader
            f.write(struct.pack("<Q", len(header)) + header + struct.pack("<2f", 1.5, -2.0))
        assert safetensors_io.read_file(path)[0]["x"][1].tolist() == [1.5, -2.0]

        gen = torch.Generator().manual_seed(1)
        tensors = {
            "f32": torch.randn(3, 5, generator=gen), "f16": torch.randn(7, generator=gen).half(),
            "bf16": torch.randn(2, 3, 4, generator=gen).bfloat16(), "scalar": torch.tensor(3.25),
            "empty": torch.zeros(0, 4), "fp8": ("F8_E4M3", torch.arange(256, dtype=torch.uint8).view(16, 16)),
        }
        safetensors_io.write_file(path, tensors, {"format": "pt"})
        back, meta = safetensors_io.read_file(path)
        assert meta == {"format": "pt"}
        with open(path, "rb") as f:
            assert struct.unpack("<Q", f.read(8))[0] % 8 == 0
        for name, value in tensors.items():
            tag, t = value if isinstance(value, tuple) else (None, value)
            assert back[name][1].dtype == t.dtype and torch.equal(back[name][1], t), name
            assert tag is None or back[name][0] == tag
        for n_shards in (1, 3):
            d = os.path.join(tmp, f"dir{n_shards}")
            safetensors_io.write_dir(d, tensors, n_shards)
            again = safetensors_io.read_dir(d)
            assert set(again) == set(tensors) and all(torch.equal(again[k][1], back[k][1]) for k in tensors)
        assert os.path.exists(os.path.join(tmp, "dir3", "model-00003-of-00003.safetensors"))
    print("safetensors: hand-made file, all dtypes, metadata, alignment, sharded dir round trip OK")


# ----------------------------------------------------------------------------- (e) MLA

def mla_absorbed(x, W, name, config, cos, sin):
    """MLA with W_uk absorbed into the query and W_uv applied after attention over the latent."""
    T, H = x.shape[0], config["num_attention_heads"]
    dn, dv, r = config["qk_nope_head_dim"], config["v_head_dim"], config["kv_lora_rank"]
    q_nope, q_pe, c, k_pe = model.mla_project(x, W, name, config, cos, sin)
    w_uk, w_uv = W[name + ".kv_b_proj.weight"].view(H, dn + dv, r).split([dn, dv], dim=1)  # [H, dn, r], [H, dv, r]
    q_latent = torch.einsum("thd,hdr->thr", q_nope, w_uk)  # [T, H, r]
    scores = torch.einsum("thr,sr->hts", q_latent, c) + torch.einsum("thd,sd->hts", q_pe, k_pe)
    probs = model.causal_softmax(scores * model.mla_softmax_scale(config))  # [H, T, S]
    context = torch.einsum("hts,sr->thr", probs, c)  # [T, H, r]
    out = torch.einsum("thr,hvr->thv", context, w_uv).reshape(T, H * dv)
    return model.linear(out, W, name + ".o_proj")


def hf_style_rope(x, cos_half, sin_half):
    """HF DeepSeek: de-interleave (x0,x2,..,x1,x3,..) then rotate_half with cat(freqs, freqs)."""
    d = x.shape[-1]
    x = x.view(*x.shape[:-1], d // 2, 2).transpose(-1, -2).reshape(x.shape)
    cos, sin = torch.cat([cos_half, cos_half], -1), torch.cat([sin_half, sin_half], -1)
    cos, sin = model._per_position(cos, x), model._per_position(sin, x)
    rotated = torch.cat([-x[..., d // 2:], x[..., :d // 2]], dim=-1)
    return x * cos + rotated * sin


def v3_setup(seed=0):
    config = dict(make_cases.case_list()[0][1])
    W = make_cases.random_weights(config, torch.Generator().manual_seed(seed))
    return config, W


def check_mla():
    config, W = v3_setup()
    x = torch.randn(9, config["hidden_size"], generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    cos, sin = model.rope_tables(config, 9)
    name = "model.layers.1.self_attn"
    naive = model.mla_attention(x, W, name, config, cos, sin)
    absorbed = mla_absorbed(x, W, name, config, cos, sin)
    assert torch.allclose(naive, absorbed, rtol=0, atol=1e-12), float((naive - absorbed).abs().max())
    q = torch.randn(9, 4, 8, dtype=torch.float64)
    k = torch.randn(9, 8, dtype=torch.float64)
    ours = torch.einsum("thd,sd->hts", model.rope_interleaved(q, cos, sin), model.rope_interleaved(k, cos, sin))
    hf = torch.einsum("thd,sd->hts", hf_style_rope(q, cos, sin), hf_style_rope(k, cos, sin))
    assert torch.allclose(ours, hf, rtol=0, atol=1e-12)
    check_yarn(config)
    print(f"MLA: naive == absorbed (max diff {float((naive - absorbed).abs().max()):.1e}), "
          "interleaved rope == HF de-interleave+rotate_half, YaRN tables OK")


def check_yarn(config):
    rs, dim = config["rope_scaling"], config["qk_rope_head_dim"]
    extra = model.default_inv_freq(dim, config["rope_theta"])
    inter = extra / rs["factor"]
    # orig 64, dim 8, base 1e4: correction dims -0.50 (beta_fast) and 1.008 (beta_slow) -> low 0, high 2
    want = torch.stack([extra[0], (extra[1] + inter[1]) / 2, inter[2], inter[3]])
    assert torch.allclose(model.yarn_inv_freq(dim, config["rope_theta"], rs), want, rtol=1e-15)
    ratio = (0.1 * 0.9 * math.log(4) + 1) / (0.1 * 0.8 * math.log(4) + 1)
    cos, _ = model.rope_tables(config, 1)
    assert abs(float(cos[0, 0]) - ratio) < 1e-15 and ratio != 1.0
    assert abs(model.mla_softmax_scale(config) - 24**-0.5 * (0.1 * 0.8 * math.log(4) + 1) ** 2) < 1e-15


# ----------------------------------------------------------------------------- routing

def scalar_route(scores, choice_bias, config):
    """Per-token pure-Python router: -> (sorted expert ids, weight per id)."""
    E, K = len(scores), config["num_experts_per_tok"]
    choice = [s + b for s, b in zip(scores, choice_bias)]
    allowed = set(range(E))
    if config["topk_method"] != "greedy":
        G = config["n_group"]
        size = E // G
        groups = [sorted(choice[g * size:(g + 1) * size], reverse=True) for g in range(G)]
        if config["topk_method"] == "noaux_tc":
            gscore = [grp[0] + grp[1] for grp in groups]
        else:
            gscore = [grp[0] for grp in groups]
        keep = sorted(range(G), key=lambda g: -gscore[g])[:config["topk_group"]]
        allowed = {e for e in range(E) if e // size in keep}
    chosen = sorted(sorted(allowed, key=lambda e: -choice[e])[:K])
    w = [scores[e] for e in chosen]
    norm = K > 1 and config["norm_topk_prob"]
    if norm:
        w = [v / (sum(w) + 1e-20) for v in w]
    if config["model_type"] == "deepseek_v3" or not norm:
        w = [v * config["routed_scaling_factor"] for v in w]
    return chosen, w


def check_routing():
    for name, config, _, _ in make_cases.case_list()[:4]:
        W = make_cases.random_weights(config, torch.Generator().manual_seed(5))
        layer = next(i for i in range(config["num_hidden_layers"]) if model.is_moe_layer(config, i))
        gate = f"model.layers.{layer}.mlp.gate"
        x = torch.randn(40, config["hidden_size"], generator=torch.Generator().manual_seed(6), dtype=torch.float64)
        idx, weights = model.moe_gate(x, W, gate, config)
        scores, _ = model.route_scores(x, W, gate, config)
        bias = W.get(gate + ".e_score_correction_bias", torch.zeros(config["n_routed_experts"]))
        for t in range(len(x)):
            chosen, w = scalar_route(scores[t].tolist(), bias.tolist(), config)
            order = idx[t].argsort()
            assert idx[t][order].tolist() == chosen, (name, t)
            assert np.allclose(weights[t][order].numpy(), w, rtol=1e-14), (name, t)
    print("routing: greedy / group_limited_greedy / noaux_tc match a scalar per-token router")


# ----------------------------------------------------------------------------- (a) causality

def check_causality():
    for index in (0, 2, 7, 9):  # v3 with MTP, v2, qwen2 tied, llama3
        name, config, _, _ = make_cases.case_list()[index]
        W = make_cases.random_weights(config, torch.Generator().manual_seed(11))
        mtp = bool(config.get("num_nextn_predict_layers"))
        a = torch.randint(0, config["vocab_size"], (11,), generator=torch.Generator().manual_seed(12))
        for i in (0, 4, 9):
            b = a.clone()
            b[i + 1:] = (b[i + 1:] + 1) % config["vocab_size"]
            (la, ha), (lb, hb) = model.forward(config, W, a), model.forward(config, W, b)
            assert torch.equal(la[:i + 1], lb[:i + 1]) and not torch.allclose(la[i + 1:], lb[i + 1:]), name
            if mtp:
                ma, mb = model.mtp_forward(config, W, a, ha), model.mtp_forward(config, W, b, hb)
                assert ma.shape == (10, config["vocab_size"])
                assert torch.equal(ma[:i], mb[:i]) and not torch.allclose(ma[i:], mb[i:]), name
    print("causality: main and MTP logits at position i ignore later tokens (and do depend on earlier ones)")


# ----------------------------------------------------------------------------- (b) cases end to end

def check_cases():
    with tempfile.TemporaryDirectory() as out:
        start = time.time()
        make_cases.main(["--out", out])
        elapsed = time.time() - start
        assert elapsed < 20, elapsed
        cases = json.load(open(os.path.join(out, "cases.json")))
        assert len(cases) == 10
        for case in cases:
            case_dir = os.path.join(out, case["name"])
            check_stored_dtypes(case_dir, case["dtype"])
            for mtp in [False] + ([True] if case["mtp"] else []):
                got_path = os.path.join(out, f"{case['name']}_{mtp}.npy")
                logits_cli.main(["--model", case_dir, "--tokens", ",".join(map(str, case["tokens"])),
                                 "--out", got_path] + (["--mtp"] if mtp else []))
                want = np.load(os.path.join(case_dir, "expected_mtp_logits.npy" if mtp else "expected_logits.npy"))
                assert np.array_equal(np.load(got_path), want), case["name"]
        first = cases[0]
        cli = [sys.executable, os.path.join(HERE, "logits.py"), "--model", os.path.join(out, first["name"]),
               "--tokens", ",".join(map(str, first["tokens"])), "--out", os.path.join(out, "cli.npy"), "--mtp"]
        subprocess.run(cli, check=True)
        assert np.array_equal(np.load(os.path.join(out, "cli.npy")),
                              np.load(os.path.join(out, first["name"], "expected_mtp_logits.npy")))
    print(f"cases: make_cases.py in {elapsed:.1f} s; logits.py reproduces every expected .npy")


def check_stored_dtypes(case_dir, dtype):
    raw = safetensors_io.read_dir(case_dir)
    tags = {name: tag for name, (tag, _) in raw.items()}
    if dtype == "f32":
        assert set(tags.values()) == {"F32"}
    elif dtype == "bf16":
        assert all(t == "BF16" or n.endswith("e_score_correction_bias") for n, t in tags.items())
    else:
        fp8_names = [n for n, t in tags.items() if t == "F8_E4M3"]
        assert fp8_names and all(checkpoint.is_fp8_quantised(n) and n + "_scale_inv" in tags for n in fp8_names)
        assert tags["model.layers.1.mlp.gate.weight"] == "BF16" and tags["model.layers.3.eh_proj.weight"] == "BF16"
        assert raw["model.layers.1.mlp.experts.0.gate_proj.weight_scale_inv"][1].shape == (2, 2)


def main():
    torch.set_num_threads(1)
    check_fp8()
    check_safetensors()
    check_mla()
    check_routing()
    check_causality()
    check_cases()
    print("all reference self-checks passed")


if __name__ == "__main__":
    main()
