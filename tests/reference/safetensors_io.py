"""Read and write .safetensors files and Hugging Face checkpoint dirs (model.safetensors or shards + index)."""
import json
import os
import struct

import numpy as np
import torch

INDEX_NAME = "model.safetensors.index.json"
SINGLE_NAME = "model.safetensors"

# safetensors dtype tag -> numpy storage dtype (BF16 is stored as int16 and viewed as torch.bfloat16).
_NUMPY_OF_TAG = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16, "BF16": np.int16, "F8_E4M3": np.uint8,
    "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_,
}
_TAG_OF_TORCH = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
    torch.bool: "BOOL",
}


def _decode_tensor(tag, shape, raw) -> torch.Tensor:
    if tag not in _NUMPY_OF_TAG:
        raise ValueError(f"unsupported safetensors dtype {tag}")
    dtype = np.dtype(_NUMPY_OF_TAG[tag]).newbyteorder("<")
    if len(raw) != dtype.itemsize * int(np.prod(shape, dtype=np.int64)):
        raise ValueError(f"byte size {len(raw)} does not match {tag}{shape}")
    arr = np.frombuffer(raw, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))
    t = torch.from_numpy(arr)
    return t.view(torch.bfloat16) if tag == "BF16" else t


def read_file(path):
    """-> ({name: (dtype tag, tensor)}, metadata). F8_E4M3 tensors come back as raw torch.uint8 codes."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", None) or {}
    data = memoryview(blob)[8 + n:]
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        if not 0 <= begin <= end <= len(data):
            raise ValueError(f"{path}: {name} offsets {begin}..{end} outside data ({len(data)} bytes)")
        tensors[name] = (info["dtype"], _decode_tensor(info["dtype"], info["shape"], data[begin:end]))
    return tensors, metadata


def _tensor_bytes(tag, t: torch.Tensor) -> bytes:
    t = t.detach().contiguous().cpu()
    if tag == "BF16":
        t = t.view(torch.int16)
    arr = t.numpy()
    if arr.dtype != np.dtype(_NUMPY_OF_TAG[tag]):
        raise ValueError(f"tensor dtype {t.dtype} cannot be stored as {tag}")
    return arr.astype(arr.dtype.newbyteorder("<")).tobytes()


def write_file(path, tensors, metadata=None):
    """tensors: {name: tensor} (tag from its dtype) or {name: (tag, tensor)}; use ("F8_E4M3", uint8 codes)."""
    header = {"__metadata__": {str(k): str(v) for k, v in metadata.items()}} if metadata else {}
    chunks, offset = [], 0
    for name, value in tensors.items():
        tag, t = value if isinstance(value, tuple) else (_TAG_OF_TORCH[value.dtype], value)
        raw = _tensor_bytes(tag, t)
        header[name] = {"dtype": tag, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)  # data section starts 8-byte aligned, as the reference writer does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head)
        for raw in chunks:
            f.write(raw)


def read_dir(dirpath):
    """All tensors of a checkpoint dir: {name: (tag, tensor)}, from the shard index if there is one."""
    index_path = os.path.join(dirpath, INDEX_NAME)
    if not os.path.exists(index_path):
        return read_file(os.path.join(dirpath, SINGLE_NAME))[0]
    with open(index_path) as f:
        weight_map = json.load(f)["weight_map"]
    tensors = {}
    for shard in sorted(set(weight_map.values())):
        part = read_file(os.path.join(dirpath, shard))[0]
        tensors.update({k: v for k, v in part.items() if weight_map.get(k) == shard})
    missing = sorted(set(weight_map) - set(tensors))
    if missing:
        raise ValueError(f"{dirpath}: index lists tensors missing from their shard: {missing[:5]}")
    return tensors


def write_dir(dirpath, tensors, n_shards=1, metadata=None):
    """Write model.safetensors, or model-0000i-of-0000n.safetensors shards plus the index."""
    metadata = metadata or {"format": "pt"}
    os.makedirs(dirpath, exist_ok=True)
    if n_shards == 1:
        write_file(os.path.join(dirpath, SINGLE_NAME), tensors, metadata)
        return
    names = list(tensors)
    if len(names) < n_shards:
        raise ValueError("more shards than tensors")
    weight_map, total = {}, 0
    for i, group in enumerate(np.array_split(np.arange(len(names)), n_shards)):
        shard = f"model-{i + 1:05d}-of-{n_shards:05d}.safetensors"
        part = {names[j]: tensors[names[j]] for j in group}
        write_file(os.path.join(dirpath, shard), part, metadata)
        for name, value in part.items():
            t = value[1] if isinstance(value, tuple) else value
            weight_map[name] = shard
            total += t.numel() * t.element_size()
    with open(os.path.join(dirpath, INDEX_NAME), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
