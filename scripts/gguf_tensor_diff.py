"""Compares the tensors of two GGUF files by name: type, shape and bytes (metadata is ignored).
For scripts/llamacpp_interop.sh (llama-quantize's file against r1 convert's). Usage:
  gguf_tensor_diff.py A.gguf B.gguf
Prints one summary line (tensor count, types with counts) and a line per difference; exits 1 if
the two hold different tensor sets, types, shapes or bytes."""
import collections
import mmap
import struct
import sys

# ggml type id -> (name, values per block, bytes per block), ggml.h / ggml-common.h.
TYPES = {0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20),
         6: ("Q5_0", 32, 22), 7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 10: ("Q2_K", 256, 84),
         11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144), 13: ("Q5_K", 256, 176),
         14: ("Q6_K", 256, 210), 20: ("IQ4_NL", 32, 18), 23: ("IQ4_XS", 256, 136),
         30: ("BF16", 1, 2)}
SCALARS = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


def read_tensors(path):
    """{name: (type id, ne tuple, bytes)} of a GGUF v2/v3 file (the bytes are views of its map)."""
    with open(path, "rb") as f:
        data = memoryview(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return v[0]

    def string():
        nonlocal pos
        n = take("Q")
        s = bytes(data[pos:pos + n]).decode("utf-8", "replace")
        pos += n
        return s

    def skip_value(t):
        nonlocal pos
        if t == 8:
            string()
        elif t == 9:
            et, n = take("I"), take("Q")
            for _ in range(n):
                skip_value(et)
        else:
            pos += SCALARS[t]

    assert bytes(data[:4]) == b"GGUF", path
    pos = 4
    take("I")
    n_tensors, n_kv = take("Q"), take("Q")
    alignment = 32
    for _ in range(n_kv):
        key, t = string(), take("I")
        if key == "general.alignment":
            alignment = take("I")
        else:
            skip_value(t)
    infos = []
    for _ in range(n_tensors):
        name = string()
        ne = tuple(take("q") for _ in range(take("I")))
        infos.append((name, take("I"), ne, take("Q")))
    start = (pos + alignment - 1) // alignment * alignment
    out = {}
    for name, t, ne, off in infos:
        _, block, size = TYPES[t]
        numel = 1
        for d in ne:
            numel *= d
        out[name] = (t, ne, data[start + off:start + off + numel // block * size])
    return out


def main():
    a, b = read_tensors(sys.argv[1]), read_tensors(sys.argv[2])
    bad = []
    for name in sorted(set(a) | set(b)):
        if name not in a or name not in b:
            bad.append(f"{name}: only in {'the first' if name in a else 'the second'} file")
            continue
        (ta, na, da), (tb, nb, db) = a[name], b[name]
        if ta != tb or na != nb:
            bad.append(f"{name}: {TYPES[ta][0]} {list(na)} vs {TYPES[tb][0]} {list(nb)}")
        elif da != db:
            first = next(i for i in range(len(da)) if da[i] != db[i]) if len(da) == len(db) else 0
            bad.append(f"{name}: {TYPES[ta][0]} bytes differ from byte {first} of {len(da)}")
    types = collections.Counter(TYPES[t][0] for t, _, _ in a.values())
    summary = ", ".join(f"{k} x{v}" for k, v in sorted(types.items()))
    print(f"  {len(a)} tensors ({summary}): "
          + ("identical types and bytes" if not bad else f"{len(bad)} DIFFER"))
    for line in bad[:20]:
        print("    " + line)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
