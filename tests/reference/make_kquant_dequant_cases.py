"""Expected ggml k-quant / IQ4_XS dequantisation and q8_K activation blocks.

Written with numpy from ggml's definitions (dequantize_row_q2_K .. q6_K, dequantize_row_iq4_xs,
quantize_row_q8_K_ref in ggml-quants.c, the layouts of ggml-common.h), sharing no code with
src/: every product is a separate float32 rounding in ggml's order (C without contraction),
fp16 scales decode through numpy's float16, the q3_K and q4_K/q5_K scale bytes unpack with
ggml's word masks.

It writes, in --out:
  FMT.blocks, FMT.deq   random super-blocks of FMT (random bytes, finite fp16 d and dmin) and
                        their dequantised values (float32), for FMT in FORMATS
  q8k_NAME.f32          an activation row (float32)
  q8k_NAME.q8_K         its expected q8_K blocks (292 bytes: f32 d, 256 int8, 16 int16 bsums)
and cases.txt: one line per case, "dequant FMT" or "q8_K NAME".
"""
import argparse
import os

import numpy as np

F32 = np.float32
QK_K = 256
IQ4NL = np.array([-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113],
                 dtype=np.int32)

# Block sizes and the byte offsets of their fp16 scales (ggml-common.h).
FORMATS = {
    "q2_K": (84, [80, 82]),    # scales[16] qs[64] d dmin
    "q3_K": (110, [108]),      # hmask[32] qs[64] scales[12] d
    "q4_K": (144, [0, 2]),     # d dmin scales[12] qs[128]
    "q5_K": (176, [0, 2]),     # d dmin scales[12] qh[32] qs[128]
    "q6_K": (210, [208]),      # ql[128] qh[64] scales[16] d
    "iq4_xs": (136, [0]),      # d scales_h(u16) scales_l[4] qs[128]
}


def fp16(b, off):
    return b[:, off:off + 2].copy().view(np.float16).reshape(-1).astype(F32)


def u32_words(b):
    return b.copy().view("<u4")


def q4k_scales_mins(s):
    """ggml's get_scale_min_k4 for j = 0..7 on [n, 12] bytes -> two [n, 8] int arrays."""
    s = s.astype(np.int32)
    sc = np.zeros((s.shape[0], 8), dtype=np.int32)
    mn = np.zeros_like(sc)
    for j in range(8):
        if j < 4:
            sc[:, j] = s[:, j] & 63
            mn[:, j] = s[:, j + 4] & 63
        else:
            sc[:, j] = (s[:, j + 4] & 0xF) | ((s[:, j - 4] >> 6) << 4)
            mn[:, j] = (s[:, j + 4] >> 4) | ((s[:, j] >> 6) << 4)
    return sc, mn


def deq_q2_K(b):
    n = b.shape[0]
    scales, qs = b[:, 0:16].astype(np.int32), b[:, 16:80].astype(np.int32)
    d, dmin = fp16(b, 80), fp16(b, 82)
    y = np.zeros((n, QK_K), dtype=F32)
    pos, is_ = 0, 0
    for half in range(2):
        q = qs[:, 32 * half:32 * half + 32]
        for shift in (0, 2, 4, 6):
            for part in range(2):
                sc = scales[:, is_]
                is_ += 1
                dl = (d * (sc & 0xF).astype(F32)).astype(F32)
                ml = (dmin * (sc >> 4).astype(F32)).astype(F32)
                v = ((q[:, 16 * part:16 * part + 16] >> shift) & 3).astype(F32)
                y[:, pos:pos + 16] = (dl[:, None] * v).astype(F32) - ml[:, None]
                pos += 16
    return y


def deq_q3_K(b):
    n = b.shape[0]
    hm, qs = b[:, 0:32].astype(np.int32), b[:, 32:96].astype(np.int32)
    d = fp16(b, 108)
    aux = u32_words(b[:, 96:108])  # [n, 3]
    kmask1, kmask2 = np.uint32(0x03030303), np.uint32(0x0f0f0f0f)
    tmp = aux[:, 2]
    a = np.zeros((n, 4), dtype="<u4")
    a[:, 2] = ((aux[:, 0] >> 4) & kmask2) | (((tmp >> 4) & kmask1) << 4)
    a[:, 3] = ((aux[:, 1] >> 4) & kmask2) | (((tmp >> 6) & kmask1) << 4)
    a[:, 0] = (aux[:, 0] & kmask2) | (((tmp >> 0) & kmask1) << 4)
    a[:, 1] = (aux[:, 1] & kmask2) | (((tmp >> 2) & kmask1) << 4)
    scales = a.view(np.int8).reshape(n, 16).astype(np.int32)
    y = np.zeros((n, QK_K), dtype=F32)
    pos, is_, m = 0, 0, 1
    for half in range(2):
        q = qs[:, 32 * half:32 * half + 32]
        for shift in (0, 2, 4, 6):
            for part in range(2):
                dl = (d * (scales[:, is_] - 32).astype(F32)).astype(F32)
                is_ += 1
                sl = slice(16 * part, 16 * part + 16)
                v = ((q[:, sl] >> shift) & 3) - np.where(hm[:, sl] & m, 0, 4)
                y[:, pos:pos + 16] = dl[:, None] * v.astype(F32)
                pos += 16
            m <<= 1
    return y


def deq_q45_K(b, five):
    n = b.shape[0]
    d, dmin = fp16(b, 0), fp16(b, 2)
    sc, mn = q4k_scales_mins(b[:, 4:16])
    qh = b[:, 16:48].astype(np.int32) if five else None
    qs = b[:, 48:176].astype(np.int32) if five else b[:, 16:144].astype(np.int32)
    y = np.zeros((n, QK_K), dtype=F32)
    u1, u2 = 1, 2
    for g in range(4):
        q = qs[:, 32 * g:32 * g + 32]
        lo, hi = q & 0xF, q >> 4
        if five:
            lo = lo + np.where(qh & u1, 16, 0)
            hi = hi + np.where(qh & u2, 16, 0)
            u1, u2 = u1 << 2, u2 << 2
        for k, v in ((0, lo), (1, hi)):
            dl = (d * sc[:, 2 * g + k].astype(F32)).astype(F32)
            ml = (dmin * mn[:, 2 * g + k].astype(F32)).astype(F32)
            y[:, 64 * g + 32 * k:64 * g + 32 * k + 32] = \
                (dl[:, None] * v.astype(F32)).astype(F32) - ml[:, None]
    return y


def deq_q6_K(b):
    n = b.shape[0]
    ql, qh = b[:, 0:128].astype(np.int32), b[:, 128:192].astype(np.int32)
    sc = b[:, 192:208].view(np.int8).astype(F32)
    d = fp16(b, 208)
    y = np.zeros((n, QK_K), dtype=F32)
    for h in range(2):
        L, H, S = ql[:, 64 * h:64 * h + 64], qh[:, 32 * h:32 * h + 32], sc[:, 8 * h:8 * h + 8]
        q1 = ((L[:, 0:32] & 0xF) | (((H >> 0) & 3) << 4)) - 32
        q2 = ((L[:, 32:64] & 0xF) | (((H >> 2) & 3) << 4)) - 32
        q3 = ((L[:, 0:32] >> 4) | (((H >> 4) & 3) << 4)) - 32
        q4 = ((L[:, 32:64] >> 4) | (((H >> 6) & 3) << 4)) - 32
        is_ = np.arange(32) // 16
        for p, q in enumerate((q1, q2, q3, q4)):
            s = S[:, is_ + 2 * p]  # [n, 32]
            y[:, 128 * h + 32 * p:128 * h + 32 * p + 32] = \
                ((d[:, None] * s).astype(F32) * q.astype(F32)).astype(F32)
    return y


def deq_iq4_xs(b):
    n = b.shape[0]
    d = fp16(b, 0)
    sh = b[:, 2:4].copy().view("<u2").reshape(-1).astype(np.int32)
    sl, qs = b[:, 4:8].astype(np.int32), b[:, 8:136].astype(np.int32)
    y = np.zeros((n, QK_K), dtype=F32)
    for ib in range(8):
        ls = ((sl[:, ib // 2] >> (4 * (ib % 2))) & 0xF) | (((sh >> (2 * ib)) & 3) << 4)
        dl = (d * (ls - 32).astype(F32)).astype(F32)
        q = qs[:, 16 * ib:16 * ib + 16]
        y[:, 32 * ib:32 * ib + 16] = dl[:, None] * IQ4NL[q & 0xF].astype(F32)
        y[:, 32 * ib + 16:32 * ib + 32] = dl[:, None] * IQ4NL[q >> 4].astype(F32)
    return y


DEQUANT = {
    "q2_K": deq_q2_K, "q3_K": deq_q3_K, "q4_K": lambda b: deq_q45_K(b, False),
    "q5_K": lambda b: deq_q45_K(b, True), "q6_K": deq_q6_K, "iq4_xs": deq_iq4_xs,
}


def random_blocks(rng, fmt, n):
    size, scale_offsets = FORMATS[fmt]
    b = rng.integers(0, 256, (n, size), dtype=np.uint8)
    for off in scale_offsets:
        # Finite fp16 of either sign over the whole exponent range, subnormals included.
        h = rng.integers(0, 0x7c00, n).astype(np.uint16) | \
            (rng.integers(0, 2, n).astype(np.uint16) << 15)
        b[:, off:off + 2] = h.view(np.uint8).reshape(n, 2)
    return b


def nearest_int(v):
    """ggml's nearest_int: float32 add of 1.5 * 2^23, then the low mantissa bits: ties to even."""
    s = (v.astype(F32) + F32(12582912.0)).astype(F32)
    return (s.view(np.int32) & 0x007fffff) - 0x00400000


def quantize_q8_K(x):
    rows = x.reshape(-1, QK_K).astype(F32)
    out = bytearray()
    for r in rows:
        amax, mx = F32(0), F32(0)
        for v in r:  # the first value of largest magnitude, as ggml's strict '>'
            if abs(v) > amax:
                amax, mx = abs(v), v
        if amax == 0:
            out += np.zeros(1, "<f4").tobytes() + bytes(QK_K) + bytes(32)
            continue
        iscale = F32(F32(-127.0) / mx)
        q = np.minimum(127, nearest_int((iscale * r).astype(F32))).astype(np.int8)
        bsums = q.astype(np.int32).reshape(16, 16).sum(axis=1).astype("<i2")
        d = F32(F32(1.0) / iscale)
        out += np.array([d], "<f4").tobytes() + q.tobytes() + bsums.tobytes()
    return bytes(out)


def q8k_cases(rng):
    n = QK_K * 32
    out = {
        "normal": rng.standard_normal(n),
        "wide": rng.standard_normal(n) * np.repeat(10.0 ** rng.uniform(-6, 6, n // QK_K), QK_K),
        "zeros": np.zeros(QK_K * 2),
    }
    # iscale = +-1 exactly: half-integers land on rounding ties.
    ties = rng.integers(-254, 255, n) / 2.0
    ties[::QK_K] = -127.0
    ties[QK_K::2 * QK_K] = 127.0
    out["ties"] = ties
    # The largest magnitude twice with both signs: the first one sets the sign of d.
    both = rng.standard_normal(n)
    both[np.arange(32) * QK_K + 3] = 9.0
    both[np.arange(32) * QK_K + 7] = -9.0
    both[np.arange(0, 32, 2) * QK_K + 3] = -9.0
    out["tied_max"] = both
    return {k: v.astype(F32) for k, v in out.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(20250301)
    lines = []
    for fmt in FORMATS:
        b = random_blocks(rng, fmt, 512)
        with np.errstate(over="ignore"):  # large d * scale may overflow to inf: so does C
            y = DEQUANT[fmt](b).astype("<f4")
        with open(os.path.join(args.out, fmt + ".blocks"), "wb") as f:
            f.write(b.tobytes())
        with open(os.path.join(args.out, fmt + ".deq"), "wb") as f:
            f.write(y.tobytes())
        lines.append("dequant " + fmt)
    for name, x in q8k_cases(rng).items():
        with open(os.path.join(args.out, f"q8k_{name}.f32"), "wb") as f:
            f.write(x.astype("<f4").tobytes())
        with open(os.path.join(args.out, f"q8k_{name}.q8_K"), "wb") as f:
            f.write(quantize_q8_K(x))
        lines.append("q8_K " + name)
    with open(os.path.join(args.out, "cases.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
