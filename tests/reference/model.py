"""Independent float64 forward of DeepSeek-V2/V3 (MLA, MoE, MTP), Qwen2 and Llama, from the papers and HF semantics."""
import math

import torch

DEEPSEEK_TYPES = ("deepseek_v2", "deepseek_v3")

# Diagnostics: every router call appends the smallest gap between a kept and a dropped candidate
# (expert or group). make_cases.py uses it to reject random weights whose routing is near a tie.
ROUTING_MARGINS = []


# ----------------------------------------------------------------------------- basic ops

def rms_norm(x, w, eps):
    return x / torch.sqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def linear(x, W, name):
    """x @ weight^T (+ bias when the checkpoint has one). name is the module path without .weight."""
    y = x @ W[name + ".weight"].T
    bias = W.get(name + ".bias")
    return y if bias is None else y + bias


def silu(x):
    return x * torch.sigmoid(x)


def swiglu_mlp(x, W, name):
    """down(silu(gate x) * up x)."""
    return linear(silu(linear(x, W, name + ".gate_proj")) * linear(x, W, name + ".up_proj"), W, name + ".down_proj")


def causal_softmax(scores):
    """scores [H, T, S] with query t at position t, key s at position s."""
    T, S = scores.shape[-2:]
    future = torch.ones(T, S, dtype=torch.bool).triu(1)
    return torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1)


# ----------------------------------------------------------------------------- rotary embeddings

def default_inv_freq(dim, base):
    return 1.0 / base ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim)  # [dim/2]


def yarn_get_mscale(scale, mscale):
    return 1.0 if scale <= 1 else 0.1 * mscale * math.log(scale) + 1.0


def yarn_inv_freq(dim, base, rs):
    factor = rs["factor"]
    orig = rs.get("original_max_position_embeddings", 4096)

    def correction_dim(rotations):
        return dim * math.log(orig / (rotations * 2 * math.pi)) / (2 * math.log(base))

    low = max(math.floor(correction_dim(rs.get("beta_fast", 32))), 0)
    high = min(math.ceil(correction_dim(rs.get("beta_slow", 1))), dim - 1)
    if low == high:
        high += 0.001
    ramp = ((torch.arange(dim // 2, dtype=torch.float64) - low) / (high - low)).clamp(0, 1)
    extra_mask = 1.0 - ramp  # 1: keep the original frequency, 0: interpolate by factor
    freq_extra = default_inv_freq(dim, base)
    freq_inter = freq_extra / factor
    return freq_inter * (1 - extra_mask) + freq_extra * extra_mask


def llama3_inv_freq(inv_freq, rs):
    factor, low, high = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
    orig = rs["original_max_position_embeddings"]
    wavelen = 2 * math.pi / inv_freq
    smooth = (orig / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * inv_freq / factor + smooth * inv_freq
    out = torch.where(wavelen > orig / low, inv_freq / factor, smoothed)
    return torch.where(wavelen < orig / high, inv_freq, out)


def rope_type(rs):
    return rs.get("rope_type", rs.get("type"))


def rope_tables(config, T):
    """cos, sin [T, rot_dim/2] for positions 0..T-1 (already multiplied by YaRN's mscale ratio)."""
    deepseek = config["model_type"] in DEEPSEEK_TYPES
    dim = config["qk_rope_head_dim"] if deepseek else head_dim(config)
    base = config.get("rope_theta", 10000.0)
    rs = config.get("rope_scaling")
    inv_freq, mscale = default_inv_freq(dim, base), 1.0
    if rs is not None and rope_type(rs) == "yarn" and deepseek:
        inv_freq = yarn_inv_freq(dim, base, rs)
        mscale = yarn_get_mscale(rs["factor"], rs.get("mscale", 1)) / yarn_get_mscale(
            rs["factor"], rs.get("mscale_all_dim", 0))
    elif rs is not None and rope_type(rs) == "llama3":
        inv_freq = llama3_inv_freq(inv_freq, rs)
    elif rs is not None and rope_type(rs) == "linear":
        inv_freq = inv_freq / rs["factor"]
    elif rs is not None and rope_type(rs) != "default":
        raise NotImplementedError(f"rope_scaling {rs} for {config['model_type']}")
    angles = torch.outer(torch.arange(T, dtype=torch.float64), inv_freq)  # [T, dim/2]
    return torch.cos(angles) * mscale, torch.sin(angles) * mscale


def _per_position(c, x):
    """[T, d/2] -> broadcastable against x [T, ..., d/2]."""
    return c.view(c.shape[0], *([1] * (x.dim() - 2)), c.shape[1])


def rope_interleaved(x, cos, sin):
    """DeepSeek convention: rotate pairs (x[2i], x[2i+1]) by angle i. x [T, ..., d]."""
    cos, sin = _per_position(cos, x), _per_position(sin, x)
    a, b = x[..., 0::2], x[..., 1::2]
    out = torch.empty_like(x)
    out[..., 0::2] = a * cos - b * sin
    out[..., 1::2] = b * cos + a * sin
    return out


def rope_half(x, cos, sin):
    """Llama/Qwen convention (rotate_half): rotate pairs (x[i], x[i + d/2]) by angle i. x [T, ..., d]."""
    cos, sin = _per_position(cos, x), _per_position(sin, x)
    a, b = x.chunk(2, dim=-1)
    return torch.cat([a * cos - b * sin, b * cos + a * sin], dim=-1)


# ----------------------------------------------------------------------------- attention

def mla_softmax_scale(config):
    scale = (config["qk_nope_head_dim"] + config["qk_rope_head_dim"]) ** -0.5
    rs = config.get("rope_scaling")
    if rs is not None and rs.get("mscale_all_dim", 0):
        m = yarn_get_mscale(rs["factor"], rs["mscale_all_dim"])
        scale *= m * m
    return scale


def mla_project(x, W, name, config, cos, sin):
    """-> q_nope [T, H, dn], q_pe [T, H, dr] (roped), c [T, r] (normalised latent), k_pe [T, dr] (roped)."""
    T, H = x.shape[0], config["num_attention_heads"]
    dn, dr, r = config["qk_nope_head_dim"], config["qk_rope_head_dim"], config["kv_lora_rank"]
    eps = config["rms_norm_eps"]
    if config.get("q_lora_rank") is None:
        q = linear(x, W, name + ".q_proj")
    else:
        q_latent = rms_norm(linear(x, W, name + ".q_a_proj"), W[name + ".q_a_layernorm.weight"], eps)
        q = linear(q_latent, W, name + ".q_b_proj")
    q_nope, q_pe = q.view(T, H, dn + dr).split([dn, dr], dim=-1)  # [T, H, dn], [T, H, dr]
    latent, k_pe = linear(x, W, name + ".kv_a_proj_with_mqa").split([r, dr], dim=-1)  # [T, r], [T, dr]
    c = rms_norm(latent, W[name + ".kv_a_layernorm.weight"], eps)
    return q_nope, rope_interleaved(q_pe, cos, sin), c, rope_interleaved(k_pe, cos, sin)


def mla_attention(x, W, name, config, cos, sin):
    """Multi-head latent attention, naive form: expand the latent into per-head keys and values."""
    T, H = x.shape[0], config["num_attention_heads"]
    dn, dv = config["qk_nope_head_dim"], config["v_head_dim"]
    q_nope, q_pe, c, k_pe = mla_project(x, W, name, config, cos, sin)
    k_nope, v = linear(c, W, name + ".kv_b_proj").view(T, H, dn + dv).split([dn, dv], dim=-1)
    scores = torch.einsum("thd,shd->hts", q_nope, k_nope) + torch.einsum("thd,sd->hts", q_pe, k_pe)
    probs = causal_softmax(scores * mla_softmax_scale(config))  # [H, T, S]
    out = torch.einsum("hts,shd->thd", probs, v).reshape(T, H * dv)
    return linear(out, W, name + ".o_proj")


def head_dim(config):
    return config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"]


def gqa_attention(x, W, name, config, cos, sin):
    """Grouped-query attention; query head h reads kv head h // (H / H_kv), as HF repeat_kv."""
    T, H, hd = x.shape[0], config["num_attention_heads"], head_dim(config)
    Hkv = config.get("num_key_value_heads") or H
    q = rope_half(linear(x, W, name + ".q_proj").view(T, H, hd), cos, sin)  # [T, H, hd]
    k = rope_half(linear(x, W, name + ".k_proj").view(T, Hkv, hd), cos, sin)  # [T, Hkv, hd]
    v = linear(x, W, name + ".v_proj").view(T, Hkv, hd)  # [T, Hkv, hd]
    k, v = k.repeat_interleave(H // Hkv, dim=1), v.repeat_interleave(H // Hkv, dim=1)  # [T, H, hd]
    probs = causal_softmax(torch.einsum("thd,shd->hts", q, k) / math.sqrt(hd))  # [H, T, S]
    out = torch.einsum("hts,shd->thd", probs, v).reshape(T, H * hd)
    return linear(out, W, name + ".o_proj")


# ----------------------------------------------------------------------------- mixture of experts

def is_moe_layer(config, i):
    return (config.get("n_routed_experts") is not None and i >= config.get("first_k_dense_replace", 0)
            and i % config.get("moe_layer_freq", 1) == 0)


def _record_margin(values, k):
    """Gap between the k-th best and the (k+1)-th best finite value, per row; appended to ROUTING_MARGINS."""
    top = values.topk(min(k + 1, values.shape[-1]), dim=-1).values
    if top.shape[-1] > k:
        gap = top[:, k - 1] - top[:, k]
        ROUTING_MARGINS.append(float(gap[torch.isfinite(gap)].min()) if torch.isfinite(gap).any() else math.inf)


def route_scores(x, W, name, config):
    """-> scores [T, E] (unbiased, for the weights), choice [T, E] (for the selection; -inf = excluded)."""
    logits = x @ W[name + ".weight"].T  # [T, E]
    func = config.get("scoring_func", "softmax")
    scores = torch.sigmoid(logits) if func == "sigmoid" else torch.softmax(logits, dim=-1)
    method = config.get("topk_method", "greedy")
    if method == "greedy":
        return scores, scores
    T, E, G = scores.shape[0], scores.shape[1], config["n_group"]
    if method == "noaux_tc":
        choice = scores + W[name + ".e_score_correction_bias"]
        group_scores = choice.view(T, G, E // G).topk(2, dim=-1).values.sum(-1)  # [T, G]
    elif method == "group_limited_greedy":
        choice = scores
        group_scores = choice.view(T, G, E // G).max(dim=-1).values  # [T, G]
    else:
        raise NotImplementedError(f"topk_method {method}")
    _record_margin(group_scores, config["topk_group"])
    kept = torch.zeros(T, G, dtype=torch.bool)
    kept.scatter_(1, group_scores.topk(config["topk_group"], dim=-1).indices, True)
    return scores, choice.masked_fill(~kept.repeat_interleave(E // G, dim=1), float("-inf"))


def route_weights(w, config):
    """Normalise / scale the chosen experts' scores w [T, K] (V2 and V3 differ)."""
    K = w.shape[1]
    normalise = K > 1 and config.get("norm_topk_prob", False)
    factor = config.get("routed_scaling_factor", 1.0)
    if normalise:
        w = w / (w.sum(-1, keepdim=True) + 1e-20)
    if config["model_type"] == "deepseek_v2":
        return w if normalise else w * factor
    return w * factor


def moe_gate(x, W, name, config):
    """-> expert indices [T, K], weights [T, K]."""
    scores, choice = route_scores(x, W, name, config)
    K = config["num_experts_per_tok"]
    _record_margin(choice, K)
    idx = choice.topk(K, dim=-1).indices  # [T, K]
    return idx, route_weights(scores.gather(1, idx), config)


def moe(x, W, name, config):
    idx, weights = moe_gate(x, W, name + ".gate", config)  # [T, K], [T, K]
    out = torch.zeros_like(x)
    for e in idx.unique().tolist():
        tokens, slot = (idx == e).nonzero(as_tuple=True)
        y = swiglu_mlp(x[tokens], W, f"{name}.experts.{e}")  # [n, D]
        out.index_add_(0, tokens, y * weights[tokens, slot].unsqueeze(-1))
    if config.get("n_shared_experts"):
        out = out + swiglu_mlp(x, W, name + ".shared_experts")
    return out


# ----------------------------------------------------------------------------- model

def decoder_layer(x, W, i, config, cos, sin):
    """h = x + attn(norm(x)); out = h + mlp(norm(h)). x [T, D]."""
    name, eps = f"model.layers.{i}", config["rms_norm_eps"]
    attention = mla_attention if config["model_type"] in DEEPSEEK_TYPES else gqa_attention
    h = x + attention(rms_norm(x, W[name + ".input_layernorm.weight"], eps), W, name + ".self_attn", config, cos, sin)
    n = rms_norm(h, W[name + ".post_attention_layernorm.weight"], eps)
    mlp = moe(n, W, name + ".mlp", config) if is_moe_layer(config, i) else swiglu_mlp(n, W, name + ".mlp")
    return h + mlp


def lm_head_weight(W, config):
    if config.get("tie_word_embeddings", False):
        return W["model.embed_tokens.weight"]
    return W["lm_head.weight"]


def forward(config, W, tokens):
    """-> logits [T, V], hidden [T, D] (last decoder layer output, before the final norm)."""
    tokens = torch.as_tensor(tokens, dtype=torch.long)
    cos, sin = rope_tables(config, len(tokens))
    h = W["model.embed_tokens.weight"][tokens]  # [T, D]
    for i in range(config["num_hidden_layers"]):
        h = decoder_layer(h, W, i, config, cos, sin)
    logits = rms_norm(h, W["model.norm.weight"], config["rms_norm_eps"]) @ lm_head_weight(W, config).T
    return logits, h


def mtp_forward(config, W, tokens, hidden):
    """DeepSeek-V3 multi-token prediction (depth 1): row i predicts token i+2. -> [T-1, V]."""
    L, eps = config["num_hidden_layers"], config["rms_norm_eps"]
    name = f"model.layers.{L}"
    tokens = torch.as_tensor(tokens, dtype=torch.long)
    e = rms_norm(W[name + ".embed_tokens.weight"][tokens[1:]], W[name + ".enorm.weight"], eps)  # [T-1, D]
    h = rms_norm(hidden[:-1], W[name + ".hnorm.weight"], eps)  # [T-1, D]
    u = linear(torch.cat([e, h], dim=-1), W, name + ".eh_proj")  # [T-1, D]
    cos, sin = rope_tables(config, len(u))
    out = decoder_layer(u, W, L, config, cos, sin)
    return rms_norm(out, W[name + ".shared_head.norm.weight"], eps) @ W[name + ".shared_head.head.weight"].T


def logits(config, W, tokens, mtp=False):
    """Main-model logits [T, V], or with mtp the MTP logits [T-1, V]."""
    main, hidden = forward(config, W, tokens)
    return mtp_forward(config, W, tokens, hidden) if mtp else main
