"""FP8 E4M3 (OCP "e4m3fn") codec in numpy, and the 128x128 block quantiser of DeepSeek-V3 FP8 checkpoints."""
import numpy as np

FP8_MAX = 448.0
NAN_CODE = 0x7F


def decode_fp8(codes) -> np.ndarray:
    """uint8 codes -> float64 values. Bias 7, no infinities, S.1111.111 is NaN."""
    c = np.asarray(codes, dtype=np.uint8).astype(np.int64)
    sign = np.where(c & 0x80, -1.0, 1.0)
    exp = (c >> 3) & 0xF
    man = (c & 0x7).astype(np.float64)
    subnormal = man / 8.0 * 2.0**-6
    normal = (1.0 + man / 8.0) * np.exp2(exp - 7.0)
    mag = np.where(exp == 0, subnormal, normal)
    mag = np.where((c & 0x7F) == 0x7F, np.nan, mag)
    return sign * mag


# Values of the non-negative finite codes 0x00..0x7e; strictly increasing with the code.
_POSITIVE_TABLE = decode_fp8(np.arange(0x7F))


def encode_fp8(x) -> np.ndarray:
    """float -> uint8 codes: round to nearest, ties to even, saturating to +-448 (also for inf); NaN -> 0x7f."""
    x = np.asarray(x, dtype=np.float64)
    mag = np.minimum(np.abs(x), FP8_MAX)
    hi = np.clip(np.searchsorted(_POSITIVE_TABLE, mag, side="left"), 0, 0x7E)  # first code >= mag
    lo = np.maximum(hi - 1, 0)
    d_lo = mag - _POSITIVE_TABLE[lo]
    d_hi = _POSITIVE_TABLE[hi] - mag
    # Codes are ordered like the values, so "even mantissa" is "even code" (also across exponents).
    pick_hi = (d_hi < d_lo) | ((d_hi == d_lo) & (hi % 2 == 0))
    code = np.where(pick_hi, hi, lo) | (np.signbit(x).astype(np.int64) << 7)
    code = np.where(np.isnan(x), NAN_CODE, code)
    return code.astype(np.uint8)


def _blocks(shape, block):
    rows, cols = shape
    br, bc = block
    for i in range(0, rows, br):
        for j in range(0, cols, bc):
            yield i // br, j // bc, slice(i, i + br), slice(j, j + bc)


def quantize_blocks(w: np.ndarray, block=(128, 128)):
    """w [out, in] -> (codes uint8 [out, in], scale_inv float32 [ceil(out/128), ceil(in/128)])."""
    w = np.asarray(w, dtype=np.float64)
    grid = (-(-w.shape[0] // block[0]), -(-w.shape[1] // block[1]))
    scale_inv = np.ones(grid, dtype=np.float32)
    codes = np.zeros(w.shape, dtype=np.uint8)
    for bi, bj, rs, cs in _blocks(w.shape, block):
        amax = np.abs(w[rs, cs]).max()
        scale = np.float32(amax / FP8_MAX) if amax > 0 else np.float32(1.0)
        scale_inv[bi, bj] = scale
        codes[rs, cs] = encode_fp8(w[rs, cs] / np.float64(scale))
    return codes, scale_inv


def dequantize_blocks(codes: np.ndarray, scale_inv: np.ndarray, block=(128, 128)) -> np.ndarray:
    """w[i, j] = fp8(codes[i, j]) * scale_inv[i // 128, j // 128] (edge blocks partial), float64."""
    rows, cols = codes.shape
    want = (-(-rows // block[0]), -(-cols // block[1]))
    if tuple(scale_inv.shape) != want:
        raise ValueError(f"scale_inv shape {tuple(scale_inv.shape)} != {want} for weight {codes.shape}")
    scale = np.repeat(np.repeat(scale_inv.astype(np.float64), block[0], 0), block[1], 1)[:rows, :cols]
    return decode_fp8(codes) * scale
