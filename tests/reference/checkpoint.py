"""HF checkpoint dirs <-> float64 weights: load any F32/BF16/F16/F8_E4M3 dir; save as f32, bf16 or block-fp8."""
import json
import os
import re

import torch

import fp8
import safetensors_io

# Linear weights inside decoder layers: the ones DeepSeek-V3 stores as FP8 (never the router, eh_proj,
# the MTP embedding/head, norms or biases).
_FP8_WEIGHT = re.compile(
    r"model\.layers\.\d+\.("
    r"self_attn\.(q_proj|q_a_proj|q_b_proj|kv_a_proj_with_mqa|kv_b_proj|o_proj|k_proj|v_proj)"
    r"|mlp\.(experts\.\d+\.|shared_experts\.)?(gate_proj|up_proj|down_proj)"
    r")\.weight")
SCALE_SUFFIX = "_scale_inv"


def is_fp8_quantised(name: str) -> bool:
    return _FP8_WEIGHT.fullmatch(name) is not None


def block_size(config) -> tuple:
    qc = config.get("quantization_config") or {}
    return tuple(qc.get("weight_block_size", (128, 128)))


def load_config(dirpath) -> dict:
    with open(os.path.join(dirpath, "config.json")) as f:
        return json.load(f)


def load_weights(dirpath, config) -> dict:
    """{name: float64 tensor}; FP8 weights are dequantised with their .weight_scale_inv companions."""
    raw = safetensors_io.read_dir(dirpath)
    weights = {}
    for name, (tag, t) in raw.items():
        if name.endswith(SCALE_SUFFIX):
            continue
        if tag == "F8_E4M3":
            scale_name = name + SCALE_SUFFIX
            if scale_name not in raw:
                raise ValueError(f"FP8 tensor {name} has no {scale_name}")
            scale = raw[scale_name][1].to(torch.float32).numpy()
            weights[name] = torch.from_numpy(fp8.dequantize_blocks(t.numpy(), scale, block_size(config)))
        else:
            weights[name] = t.to(torch.float64)
    return weights


def load(dirpath):
    config = load_config(dirpath)
    return config, load_weights(dirpath, config)


def _stored(name, w: torch.Tensor, dtype, config) -> dict:
    """One float64 weight -> {name: (tag, tensor)} entries for the storage dtype."""
    if dtype == "f32":
        return {name: ("F32", w.to(torch.float32))}
    if name.endswith("e_score_correction_bias"):  # real BF16/FP8 checkpoints keep the router bias in F32
        return {name: ("F32", w.to(torch.float32))}
    if dtype == "fp8" and is_fp8_quantised(name):
        codes, scale_inv = fp8.quantize_blocks(w.numpy(), block_size(config))
        return {name: ("F8_E4M3", torch.from_numpy(codes)),
                name + SCALE_SUFFIX: ("F32", torch.from_numpy(scale_inv))}
    if dtype in ("bf16", "fp8"):
        return {name: ("BF16", w.to(torch.bfloat16))}
    raise ValueError(f"unknown storage dtype {dtype}")


def save(dirpath, config, weights, dtype="f32", n_shards=1):
    """Write config.json and the weights stored as dtype in {"f32", "bf16", "fp8"}."""
    os.makedirs(dirpath, exist_ok=True)
    with open(os.path.join(dirpath, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    tensors = {}
    for name, w in weights.items():
        tensors.update(_stored(name, w, dtype, config))
    safetensors_io.write_dir(dirpath, tensors, n_shards)
