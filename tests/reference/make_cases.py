"""Generate tiny seeded random HF checkpoints plus the reference logits the C++ model tests compare against."""
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
import model

SCRIPT_VERSION = 1
T = 11
RTOL = 1e-4
MIN_ROUTING_MARGIN = 5e-4  # reject seeds whose top-k / top-group choice is this close to a tie
MAX_ATTEMPTS = 50


# ----------------------------------------------------------------------------- configs

def deepseek_config(model_type, **over):
    v3 = model_type == "deepseek_v3"
    cls = "DeepseekV3" if v3 else "DeepseekV2"
    c = {
        "architectures": [f"{cls}ForCausalLM"],
        "auto_map": {"AutoConfig": f"configuration_deepseek.{cls}Config",
                     "AutoModel": f"modeling_deepseek.{cls}Model",
                     "AutoModelForCausalLM": f"modeling_deepseek.{cls}ForCausalLM"},
        "model_type": model_type, "vocab_size": 128, "hidden_size": 64, "intermediate_size": 96,
        "moe_intermediate_size": 32, "num_hidden_layers": 3, "num_attention_heads": 4,
        "num_key_value_heads": 4, "n_shared_experts": 1, "n_routed_experts": 8, "ep_size": 1,
        "routed_scaling_factor": 2.5, "kv_lora_rank": 32, "q_lora_rank": 48, "qk_rope_head_dim": 8,
        "v_head_dim": 16, "qk_nope_head_dim": 16, "topk_method": "noaux_tc" if v3 else "greedy",
        "n_group": 4, "topk_group": 2, "num_experts_per_tok": 3, "moe_layer_freq": 1,
        "first_k_dense_replace": 1, "norm_topk_prob": True, "scoring_func": "sigmoid" if v3 else "softmax",
        "aux_loss_alpha": 0.001, "seq_aux": True, "hidden_act": "silu", "max_position_embeddings": 256,
        "initializer_range": 0.02, "rms_norm_eps": 1e-6, "use_cache": True, "pad_token_id": None,
        "bos_token_id": 0, "eos_token_id": 1, "pretraining_tp": 1, "tie_word_embeddings": False,
        "rope_theta": 10000.0, "rope_scaling": None, "attention_bias": False, "attention_dropout": 0.0,
        "torch_dtype": "float32", "transformers_version": "4.46.3",
    }
    if v3:
        c["num_nextn_predict_layers"] = 0
    c.update(over)
    return c


def yarn_scaling(**over):
    rs = {"type": "yarn", "factor": 4.0, "original_max_position_embeddings": 64, "beta_fast": 32,
          "beta_slow": 1, "mscale": 0.9, "mscale_all_dim": 0.8}
    rs.update(over)
    return rs


def dense_config(model_type, **over):
    qwen = model_type == "qwen2"
    c = {
        "architectures": ["Qwen2ForCausalLM" if qwen else "LlamaForCausalLM"], "model_type": model_type,
        "vocab_size": 96, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "hidden_act": "silu",
        "max_position_embeddings": 256, "initializer_range": 0.02, "rms_norm_eps": 1e-6, "use_cache": True,
        "bos_token_id": 0, "eos_token_id": 1, "tie_word_embeddings": False, "rope_theta": 10000.0,
        "rope_scaling": None, "attention_dropout": 0.0, "torch_dtype": "float32",
        "transformers_version": "4.46.3",
    }
    if qwen:
        c.update({"use_sliding_window": False, "sliding_window": 256, "max_window_layers": 2})
    else:
        c.update({"attention_bias": False, "mlp_bias": False, "pretraining_tp": 1})
    c.update(over)
    return c


def fp8_quantization():
    return {"quant_method": "fp8", "fmt": "e4m3", "activation_scheme": "dynamic", "weight_block_size": [128, 128]}


# ----------------------------------------------------------------------------- weight shapes

def _mlp_shapes(name, D, inter):
    return [(f"{name}.gate_proj.weight", (inter, D)), (f"{name}.up_proj.weight", (inter, D)),
            (f"{name}.down_proj.weight", (D, inter))]


def _mla_shapes(name, c):
    D, H, r = c["hidden_size"], c["num_attention_heads"], c["kv_lora_rank"]
    dn, dr, dv = c["qk_nope_head_dim"], c["qk_rope_head_dim"], c["v_head_dim"]
    if c.get("q_lora_rank") is None:
        out = [(f"{name}.q_proj.weight", (H * (dn + dr), D))]
    else:
        q = c["q_lora_rank"]
        out = [(f"{name}.q_a_proj.weight", (q, D)), (f"{name}.q_a_layernorm.weight", (q,)),
               (f"{name}.q_b_proj.weight", (H * (dn + dr), q))]
    return out + [(f"{name}.kv_a_proj_with_mqa.weight", (r + dr, D)), (f"{name}.kv_a_layernorm.weight", (r,)),
                  (f"{name}.kv_b_proj.weight", (H * (dn + dv), r)), (f"{name}.o_proj.weight", (D, H * dv))]


def _gqa_shapes(name, c):
    D, H, hd = c["hidden_size"], c["num_attention_heads"], model.head_dim(c)
    Hkv = c["num_key_value_heads"]
    out = [(f"{name}.q_proj.weight", (H * hd, D)), (f"{name}.k_proj.weight", (Hkv * hd, D)),
           (f"{name}.v_proj.weight", (Hkv * hd, D)), (f"{name}.o_proj.weight", (D, H * hd))]
    if c["model_type"] == "qwen2" or c.get("attention_bias"):
        out += [(f"{name}.q_proj.bias", (H * hd,)), (f"{name}.k_proj.bias", (Hkv * hd,)),
                (f"{name}.v_proj.bias", (Hkv * hd,))]
    if c.get("attention_bias") and c["model_type"] != "qwen2":
        out.append((f"{name}.o_proj.bias", (D,)))
    return out


def _moe_shapes(name, c):
    D, E, inter = c["hidden_size"], c["n_routed_experts"], c["moe_intermediate_size"]
    out = [(f"{name}.gate.weight", (E, D))]
    if c.get("topk_method") == "noaux_tc":
        out.append((f"{name}.gate.e_score_correction_bias", (E,)))
    for e in range(E):
        out += _mlp_shapes(f"{name}.experts.{e}", D, inter)
    if c.get("n_shared_experts"):
        out += _mlp_shapes(f"{name}.shared_experts", D, inter * c["n_shared_experts"])
    return out


def _layer_shapes(i, c):
    name, D = f"model.layers.{i}", c["hidden_size"]
    deepseek = c["model_type"] in model.DEEPSEEK_TYPES
    out = [(f"{name}.input_layernorm.weight", (D,))]
    out += _mla_shapes(f"{name}.self_attn", c) if deepseek else _gqa_shapes(f"{name}.self_attn", c)
    out.append((f"{name}.post_attention_layernorm.weight", (D,)))
    if model.is_moe_layer(c, i):
        return out + _moe_shapes(f"{name}.mlp", c)
    return out + _mlp_shapes(f"{name}.mlp", D, c["intermediate_size"])


def _mtp_shapes(c):
    L, D, V = c["num_hidden_layers"], c["hidden_size"], c["vocab_size"]
    name = f"model.layers.{L}"
    return [(f"{name}.embed_tokens.weight", (V, D)), (f"{name}.enorm.weight", (D,)),
            (f"{name}.hnorm.weight", (D,)), (f"{name}.eh_proj.weight", (D, 2 * D))] + _layer_shapes(L, c) + [
            (f"{name}.shared_head.norm.weight", (D,)), (f"{name}.shared_head.head.weight", (V, D))]


def weight_shapes(c):
    D, V = c["hidden_size"], c["vocab_size"]
    out = [("model.embed_tokens.weight", (V, D))]
    for i in range(c["num_hidden_layers"]):
        out += _layer_shapes(i, c)
    out.append(("model.norm.weight", (D,)))
    if not c.get("tie_word_embeddings"):
        out.append(("lm_head.weight", (V, D)))
    if c.get("num_nextn_predict_layers"):
        out += _mtp_shapes(c)
    return out


# ----------------------------------------------------------------------------- random init

def _init(name, shape, gen):
    """Scales keep every sublayer output O(1): embeddings ~1, linear 1/sqrt(in), router 2/sqrt(in)."""
    z = torch.randn(shape, generator=gen, dtype=torch.float64)
    if name.endswith("norm.weight"):
        return 1.0 + 0.1 * z
    if name.endswith("e_score_correction_bias"):
        return 0.05 * z
    if name.endswith(".bias"):
        return 0.1 * z
    if name.endswith("embed_tokens.weight"):
        return z
    if name.endswith("mlp.gate.weight"):
        return z * 2.0 / shape[1] ** 0.5
    return z / shape[1] ** 0.5


def random_weights(config, gen):
    weights = {name: _init(name, shape, gen) for name, shape in weight_shapes(config)}
    if config.get("tie_word_embeddings"):  # the embedding is also the head: keep logits O(1)
        weights["model.embed_tokens.weight"] /= config["hidden_size"] ** 0.5
    return weights


# ----------------------------------------------------------------------------- cases

def case_list():
    v3_mtp = dict(q_lora_rank=48, rope_scaling=yarn_scaling(), num_nextn_predict_layers=1)
    v3_plain = dict(q_lora_rank=None, moe_layer_freq=2, first_k_dense_replace=0, n_shared_experts=2,
                    n_group=2, topk_group=1, num_experts_per_tok=2)
    fp8_dims = dict(hidden_size=160, intermediate_size=200, moe_intermediate_size=136, q_lora_rank=144,
                    kv_lora_rank=136, num_attention_heads=6, num_key_value_heads=6,
                    quantization_config=fp8_quantization(), torch_dtype="bfloat16")
    llama3 = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
              "original_max_position_embeddings": 64}
    return [
        ("v3_qlora_yarn_mtp", deepseek_config("deepseek_v3", **v3_mtp), "f32", 1),
        ("v3_no_qlora", deepseek_config("deepseek_v3", **v3_plain), "f32", 1),
        ("v2_softmax_greedy", deepseek_config("deepseek_v2", q_lora_rank=None, topk_method="greedy",
                                              norm_topk_prob=False, routed_scaling_factor=1.5,
                                              n_group=1, topk_group=1), "f32", 1),
        ("v2_group_limited", deepseek_config("deepseek_v2", topk_method="group_limited_greedy",
                                             routed_scaling_factor=2.0), "f32", 1),
        ("v3_fp8", deepseek_config("deepseek_v3", **{**v3_mtp, **fp8_dims}), "fp8", 1),
        ("v3_bf16", deepseek_config("deepseek_v3", **v3_mtp, torch_dtype="bfloat16"), "bf16", 1),
        ("v3_sharded", deepseek_config("deepseek_v3", **v3_plain), "f32", 3),
        ("qwen2_tied", dense_config("qwen2", tie_word_embeddings=True), "f32", 1),
        ("qwen2_untied", dense_config("qwen2"), "f32", 1),
        ("llama3_scaled", dense_config("llama", hidden_size=48, head_dim=16, rope_scaling=llama3), "f32", 1),
    ]


def llama3_bands(config):
    """Which llama3 band each rotary frequency falls in (printed to show all three are exercised)."""
    rs = config["rope_scaling"]
    inv = model.default_inv_freq(model.head_dim(config), config["rope_theta"])
    wavelen = 2 * np.pi / inv.numpy()
    orig = rs["original_max_position_embeddings"]
    return ["high" if w < orig / rs["high_freq_factor"] else "low" if w > orig / rs["low_freq_factor"] else "mid"
            for w in wavelen]


def _evaluate(case_dir, tokens, mtp):
    config, W = checkpoint.load(case_dir)  # exactly what was stored: bf16-rounded / fp8-dequantised
    model.ROUTING_MARGINS.clear()
    main, hidden = model.forward(config, W, tokens)
    mtp_logits = model.mtp_forward(config, W, tokens, hidden) if mtp else None
    margin = min(model.ROUTING_MARGINS, default=np.inf)
    return main, mtp_logits, margin


def build_case(out_dir, name, config, dtype, n_shards):
    case_dir = os.path.join(out_dir, name)
    mtp = bool(config.get("num_nextn_predict_layers"))
    for attempt in range(MAX_ATTEMPTS):
        gen = torch.Generator().manual_seed(zlib.crc32(name.encode()) + 7919 * attempt)
        tokens = torch.randint(0, config["vocab_size"], (T,), generator=gen).tolist()
        weights = random_weights(config, gen)
        shutil.rmtree(case_dir, ignore_errors=True)
        checkpoint.save(case_dir, config, weights, dtype, n_shards)
        main, mtp_logits, margin = _evaluate(case_dir, tokens, mtp)
        if margin >= MIN_ROUTING_MARGIN:
            break
    else:
        raise RuntimeError(f"{name}: no seed with routing margin >= {MIN_ROUTING_MARGIN}")
    np.save(os.path.join(case_dir, "expected_logits.npy"), main.to(torch.float32).numpy())
    if mtp:
        np.save(os.path.join(case_dir, "expected_mtp_logits.npy"), mtp_logits.to(torch.float32).numpy())
    print(f"  {name:20s} {dtype:4s} shards={n_shards} attempt={attempt} routing_margin={margin:.2e} "
          f"max|logit|={float(main.abs().max()):.2f} logit_std={float(main.std()):.2f}")
    return {"name": name, "tokens": tokens, "mtp": mtp, "dtype": dtype, "rtol": RTOL}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, help="output directory (cases are regenerated every run)")
    args = parser.parse_args(argv)
    start = time.time()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)  # deterministic and fast for these tiny shapes
    cases = []
    for name, config, dtype, n_shards in case_list():
        if name == "llama3_scaled":
            print(f"  llama3 bands per frequency: {llama3_bands(config)}")
        cases.append(build_case(args.out, name, config, dtype, n_shards))
    with open(os.path.join(args.out, "cases.json"), "w") as f:
        json.dump(cases, f, indent=2)
    print(f"wrote {len(cases)} cases to {args.out} (script version {SCRIPT_VERSION}) "
          f"in {time.time() - start:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
