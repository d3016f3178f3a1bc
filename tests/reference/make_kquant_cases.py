"""Expected ggml k-quant, IQ4_XS and fallback (Q5_0, Q5_1, IQ4_NL) blocks for seeded float32 rows.

Written with numpy from ggml's definitions (ggml-quants.c: quantize_row_q2_K_ref .. q6_K_ref,
make_qx_quants, make_q3_quants, make_qkx2_quants, nearest_int, quantize_iq4_xs / quantize_iq4_nl
with no importance weights, quantize_row_q5_0_ref / q5_1_ref, dequantize_row_q5_0 / q5_1 /
iq4_nl), sharing no code with src/. Every step is float32 as in C: products rounded before sums,
sums accumulated one term at a time in C's order (never numpy's pairwise sum), divisions where
ggml divides, fp16 from numpy's float16 (round to nearest even). Work is vectorised across
(sub-)blocks only; the loops over a block's values run in order.

For each case NAME it writes, in --out:
  NAME.f32                   the input row (float32, little-endian; 256 * 64 values)
  NAME.<type>                the expected blocks, type in q2_K q3_K q4_K q5_K q6_K iq4_xs
                             q5_0 q5_1 iq4_nl
  NAME.<type>.deq            for q5_0, q5_1, iq4_nl: the expected blocks dequantised (float32)
and cases.txt with one case name per line.
"""
import argparse
import os

import numpy as np

F32 = np.float32
QK_K = 256
EPS = F32(1e-15)  # GROUP_MAX_EPS
GRID = np.array([-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113],
                dtype=np.int32)
GRID_F = GRID.astype(F32)


def f32(a):
    a = np.asarray(a)
    assert a.dtype == F32, a.dtype
    return a


def nearest_int(v):
    """ggml's nearest_int: the float32 sum v + 12582912, its low 23 bits less 2^22."""
    s = (f32(v) + F32(12582912.0)).astype(F32)
    return (s.view(np.int32) & 0x007FFFFF) - 0x00400000


def to_f16(v):
    return f32(v).astype(np.float16)


def f16_bits(v):
    return to_f16(v).view(np.uint16)


def f16_value(v):
    return to_f16(v).astype(F32)


def signed_amax(x):
    """Per row of x [m, n]: largest |x| and the signed value holding it (the first on a tie)."""
    amax = np.zeros(x.shape[0], F32)
    mx = np.zeros(x.shape[0], F32)
    for i in range(x.shape[1]):
        ax = np.abs(x[:, i])
        upd = ax > amax
        amax = np.where(upd, ax, amax)
        mx = np.where(upd, x[:, i], mx)
    return f32(amax), f32(mx)


def running_signed_max(v):
    """Per row of v [m, n]: the first entry of largest |v| in C's loop with a strict '>'."""
    best_abs = np.zeros(v.shape[0], F32)
    best = np.zeros(v.shape[0], F32)
    for j in range(v.shape[1]):
        a = np.abs(v[:, j])
        upd = a > best_abs
        best_abs = np.where(upd, a, best_abs)
        best = np.where(upd, v[:, j], best)
    return f32(best_abs), f32(best)


def running_max(v):
    """C's `if (v > m) m = v` from m = 0 along each row."""
    m = np.zeros(v.shape[0], F32)
    for j in range(v.shape[1]):
        m = np.where(v[:, j] > m, v[:, j], m)
    return f32(m)


def make_qx_quants(x, nmax):
    """ggml's make_qx_quants(n, nmax, x, L, rmse_type=1, qw=NULL) on each row of x [m, n]."""
    m, n = x.shape
    amax, mx = signed_amax(x)

    def fit(iscale):
        sumlx = np.zeros(m, F32)
        suml2 = np.zeros(m, F32)
        for i in range(n):
            lf = np.clip(nearest_int(iscale * x[:, i]), -nmax, nmax - 1).astype(F32)
            w = x[:, i] * x[:, i]
            sumlx = sumlx + w * x[:, i] * lf
            suml2 = suml2 + w * lf * lf
        return f32(sumlx), f32(suml2)

    def levels(iscale):
        return nmax + np.clip(nearest_int(iscale[:, None] * x), -nmax, nmax - 1)

    iscale = F32(-nmax) / mx
    sumlx, suml2 = fit(iscale)
    L = levels(iscale)
    scale = np.where(suml2 != 0, sumlx / suml2, F32(0)).astype(F32)
    best = scale * sumlx
    for step in range(-9, 10):
        if step == 0:
            continue
        iscale = -(F32(nmax) + F32(0.1) * F32(step)) / mx
        sumlx, suml2 = fit(iscale)
        upd = (suml2 > 0) & (sumlx * sumlx > best * suml2)
        L = np.where(upd[:, None], levels(iscale), L)
        scale = np.where(upd, sumlx / suml2, scale).astype(F32)
        best = np.where(upd, scale * sumlx, best).astype(F32)
    zero = amax < EPS
    return np.where(zero, F32(0), scale).astype(F32), np.where(zero[:, None], 0, L)


def make_q3_quants(x):
    """ggml's make_q3_quants(n, 4, x, L, do_rmse=true) on each row of x [m, n]."""
    nmax = 4
    m, n = x.shape
    amax, mx = signed_amax(x)
    iscale = F32(-nmax) / mx
    L = np.clip(nearest_int(iscale[:, None] * x), -nmax, nmax - 1)
    sumlx = np.zeros(m, F32)
    suml2 = np.zeros(m, F32)
    for i in range(n):
        w = x[:, i] * x[:, i]
        lf = L[:, i].astype(F32)
        sumlx = sumlx + w * x[:, i] * lf
        suml2 = suml2 + w * lf * lf
    running = np.ones(m, bool)
    for _ in range(5):
        changed = np.zeros(m, np.int32)
        for i in range(n):
            xi = x[:, i]
            w = xi * xi
            lf = L[:, i].astype(F32)
            slx = sumlx - w * xi * lf
            sl2 = suml2 - w * lf * lf
            new_l = np.clip(nearest_int(xi * sl2 / slx), -nmax, nmax - 1)
            nf = new_l.astype(F32)
            slx2 = slx + w * xi * nf
            sl22 = sl2 + w * nf * nf
            take = (running & (slx > 0) & (new_l != L[:, i]) & (sl22 > 0)
                    & (slx2 * slx2 * suml2 > sumlx * sumlx * sl22))
            L[:, i] = np.where(take, new_l, L[:, i])
            sumlx = np.where(take, slx2, sumlx).astype(F32)
            suml2 = np.where(take, sl22, suml2).astype(F32)
            changed += take
        running &= changed > 0
    zero = amax < EPS
    return (np.where(zero, F32(0), sumlx / suml2).astype(F32),
            np.where(zero[:, None], 0, L + nmax))


def make_qkx2_quants(x, w, nmax, rmin, rdelta, nstep, use_mad):
    """ggml's make_qkx2_quants on each row of x [m, n] with weights w: (scale, L, the_min)."""
    m, n = x.shape
    mn = x[:, 0].copy()
    mx = x[:, 0].copy()
    sum_w = w[:, 0].copy()
    sum_x = sum_w * x[:, 0]
    for i in range(1, n):
        mn = np.where(x[:, i] < mn, x[:, i], mn)
        mx = np.where(x[:, i] > mx, x[:, i], mx)
        sum_w = sum_w + w[:, i]
        sum_x = sum_x + w[:, i] * x[:, i]
    mn = np.where(mn > 0, F32(0), mn).astype(F32)
    flat = mx == mn
    flat_min = mn.copy()

    def error(scale, mn_, L):
        e = np.zeros(m, F32)
        for i in range(n):
            diff = scale * L[:, i].astype(F32) + mn_ - x[:, i]
            diff = np.abs(diff) if use_mad else diff * diff
            e = e + w[:, i] * diff
        return f32(e)

    iscale = F32(nmax) / (mx - mn)
    scale = (F32(1) / iscale).astype(F32)
    L = np.clip(nearest_int(iscale[:, None] * (x - mn[:, None])), 0, nmax)
    best_mad = error(scale, mn, L)
    for step in range(nstep + 1):
        iscale = (F32(rmin) + F32(rdelta) * F32(step) + F32(nmax)) / (mx - mn)
        Laux = np.clip(nearest_int(iscale[:, None] * (x - mn[:, None])), 0, nmax)
        sum_l = np.zeros(m, F32)
        sum_l2 = np.zeros(m, F32)
        sum_xl = np.zeros(m, F32)
        for i in range(n):
            lf = Laux[:, i].astype(F32)
            sum_l = sum_l + w[:, i] * lf
            sum_l2 = sum_l2 + w[:, i] * lf * lf
            sum_xl = sum_xl + w[:, i] * lf * x[:, i]
        D = sum_w * sum_l2 - sum_l * sum_l
        this_scale = (sum_w * sum_xl - sum_x * sum_l) / D
        this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D
        pos = this_min > 0
        this_scale = np.where(pos, sum_xl / sum_l2, this_scale).astype(F32)
        this_min = np.where(pos, F32(0), this_min).astype(F32)
        mad = error(this_scale, this_min, Laux)
        upd = (D > 0) & (mad < best_mad)
        L = np.where(upd[:, None], Laux, L)
        best_mad = np.where(upd, mad, best_mad).astype(F32)
        scale = np.where(upd, this_scale, scale).astype(F32)
        mn = np.where(upd, this_min, mn).astype(F32)
    scale = np.where(flat, F32(0), scale).astype(F32)
    L = np.where(flat[:, None], 0, L)
    the_min = np.where(flat, -flat_min, -mn).astype(F32)
    return scale, L, the_min


def pack_2bit(L):
    """[B, 256] levels 0..3 -> [B, 64] bytes: byte 32h + l holds L[128h + l + 32s] at bits 2s."""
    out = np.zeros((L.shape[0], 64), np.int64)
    for h in range(2):
        for s in range(4):
            out[:, 32 * h:32 * h + 32] |= L[:, 128 * h + 32 * s:128 * h + 32 * s + 32] << (2 * s)
    return out.astype(np.uint8)


def u16_bytes(v):
    return np.asarray(v, np.uint16).astype("<u2").view(np.uint8).reshape(-1, 2)


def quantize_q2_K(x):
    B = x.shape[0]
    sub = x.reshape(B * 16, 16)
    scales, L, mins = make_qkx2_quants(sub, np.abs(sub), 3, -0.5, 0.1, 15, True)
    scales, mins, L = scales.reshape(B, 16), mins.reshape(B, 16), L.reshape(B, 256)
    max_scale, max_min = running_max(scales), running_max(mins)
    has, has_m = max_scale > 0, max_min > 0
    ls = nearest_int((F32(15) / max_scale)[:, None] * scales) & 0xFF
    lm = (nearest_int((F32(15) / max_min)[:, None] * mins) << 4) & 0xFF
    sc = np.where(has[:, None], ls, 0)
    sc = np.where(has_m[:, None], sc | lm, sc)
    d = np.where(has, max_scale / F32(15), F32(0)).astype(F32)
    dmin = np.where(has_m, max_min / F32(15), F32(0)).astype(F32)
    dd = np.repeat(f16_value(d)[:, None] * (sc & 0xF).astype(F32), 16, axis=1)
    dm = np.repeat(f16_value(dmin)[:, None] * (sc >> 4).astype(F32), 16, axis=1)
    L = np.where(dd != 0, np.clip(nearest_int((x + dm) / dd), 0, 3), L)
    return np.concatenate([sc.astype(np.uint8), pack_2bit(L), u16_bytes(f16_bits(d)),
                           u16_bytes(f16_bits(dmin))], axis=1)


def quantize_q3_K(x):
    B = x.shape[0]
    scales, L = make_q3_quants(x.reshape(B * 16, 16))
    scales, L = scales.reshape(B, 16), L.reshape(B, 256)
    _, max_scale = running_signed_max(scales)
    has = max_scale != 0
    iscale = F32(-32) / max_scale
    l = ((nearest_int(iscale[:, None] * scales) + 128) & 0xFF) - 128  # stored in an int8_t
    l = np.clip(l, -32, 31) + 32
    packed = np.zeros((B, 12), np.int64)
    for j in range(16):
        if j < 8:
            packed[:, j] = l[:, j] & 0xF
        else:
            packed[:, j - 8] |= (l[:, j] & 0xF) << 4
        packed[:, j % 4 + 8] |= (l[:, j] >> 4) << (2 * (j // 4))
    packed = np.where(has[:, None], packed, 0)
    d = np.where(has, F32(1) / iscale, F32(0)).astype(F32)
    sc = np.zeros((B, 16), np.int64)
    for j in range(16):
        low = packed[:, j] & 0xF if j < 8 else packed[:, j - 8] >> 4
        sc[:, j] = (low | (((packed[:, 8 + j % 4] >> (2 * (j // 4))) & 3) << 4)) - 32
    dd = np.repeat(f16_value(d)[:, None] * sc.astype(F32), 16, axis=1)
    L = np.where(dd != 0, np.clip(nearest_int(x / dd), -4, 3) + 4, L)
    hmask = np.zeros((B, 32), np.int64)
    for j in range(256):
        hmask[:, j % 32] |= (L[:, j] > 3).astype(np.int64) << (j // 32)
    low = np.where(L > 3, L - 4, L)
    return np.concatenate([hmask.astype(np.uint8), pack_2bit(low), packed.astype(np.uint8),
                           u16_bytes(f16_bits(d))], axis=1)


def quantize_k4(x, nmax, rmin, nstep):
    """q4_K / q5_K's shared part: (d16, dmin16, packed scales [B, 12], levels [B, 256])."""
    B = x.shape[0]
    sub = x.reshape(B * 8, 32)
    sum_x2 = np.zeros(B * 8, F32)
    for i in range(32):
        sum_x2 = sum_x2 + sub[:, i] * sub[:, i]
    av_x = np.sqrt(sum_x2 / F32(32)).astype(F32)
    weights = av_x[:, None] + np.abs(sub)
    scales, L, mins = make_qkx2_quants(sub, weights, nmax, rmin, 0.1, nstep, False)
    scales, mins, L = scales.reshape(B, 8), mins.reshape(B, 8), L.reshape(B, 256)
    max_scale, max_min = running_max(scales), running_max(mins)
    inv_scale = np.where(max_scale > 0, F32(63) / max_scale, F32(0)).astype(F32)
    inv_min = np.where(max_min > 0, F32(63) / max_min, F32(0)).astype(F32)
    ls = np.minimum(63, nearest_int(inv_scale[:, None] * scales) & 0xFF)
    lm = np.minimum(63, nearest_int(inv_min[:, None] * mins) & 0xFF)
    p = np.zeros((B, 12), np.int64)
    for j in range(8):
        if j < 4:
            p[:, j] = ls[:, j]
            p[:, j + 4] = lm[:, j]
        else:
            p[:, j + 4] = (ls[:, j] & 0xF) | ((lm[:, j] & 0xF) << 4)
            p[:, j - 4] |= (ls[:, j] >> 4) << 6
            p[:, j] |= (lm[:, j] >> 4) << 6
    d16 = f16_bits(max_scale / F32(63))
    dmin16 = f16_bits(max_min / F32(63))
    sc = np.zeros((B, 8), np.int64)
    mm = np.zeros((B, 8), np.int64)
    for j in range(8):  # read back as get_scale_min_k4 does
        if j < 4:
            sc[:, j], mm[:, j] = p[:, j] & 63, p[:, j + 4] & 63
        else:
            sc[:, j] = (p[:, j + 4] & 0xF) | ((p[:, j - 4] >> 6) << 4)
            mm[:, j] = (p[:, j + 4] >> 4) | ((p[:, j] >> 6) << 4)
    dd = np.repeat(d16.view(np.float16).astype(F32)[:, None] * sc.astype(F32), 32, axis=1)
    dm = np.repeat(dmin16.view(np.float16).astype(F32)[:, None] * mm.astype(F32), 32, axis=1)
    L = np.where(dd != 0, np.clip(nearest_int((x + dm) / dd), 0, nmax), L)
    return d16, dmin16, p.astype(np.uint8), L


def quantize_q4_K(x):
    d16, dmin16, p, L = quantize_k4(x, 15, -1.0, 20)
    qs = np.zeros((x.shape[0], 128), np.int64)
    for g in range(4):
        qs[:, 32 * g:32 * g + 32] = L[:, 64 * g:64 * g + 32] | (L[:, 64 * g + 32:64 * g + 64] << 4)
    return np.concatenate([u16_bytes(d16), u16_bytes(dmin16), p, qs.astype(np.uint8)], axis=1)


def quantize_q5_K(x):
    d16, dmin16, p, L = quantize_k4(x, 31, -0.5, 15)
    qs = np.zeros((x.shape[0], 128), np.int64)
    qh = np.zeros((x.shape[0], 32), np.int64)
    for g in range(4):
        lo, hi = L[:, 64 * g:64 * g + 32], L[:, 64 * g + 32:64 * g + 64]
        qh |= ((lo >> 4) << (2 * g)) | ((hi >> 4) << (2 * g + 1))
        qs[:, 32 * g:32 * g + 32] = (lo & 0xF) | ((hi & 0xF) << 4)
    return np.concatenate([u16_bytes(d16), u16_bytes(dmin16), p, qh.astype(np.uint8),
                           qs.astype(np.uint8)], axis=1)


def quantize_q6_K(x):
    B = x.shape[0]
    scales, L = make_qx_quants(x.reshape(B * 16, 16), 32)
    scales, L = scales.reshape(B, 16), L.reshape(B, 256)
    max_abs, max_scale = running_signed_max(scales)
    iscale = F32(-128) / max_scale
    d = F32(1) / iscale
    sc = ((np.minimum(127, nearest_int(iscale[:, None] * scales)) + 128) & 0xFF) - 128
    dd = np.repeat(f16_value(d)[:, None] * sc.astype(F32), 16, axis=1)
    L = np.where(dd != 0, np.clip(nearest_int(x / dd), -32, 31) + 32, L)
    ql = np.zeros((B, 128), np.int64)
    qh = np.zeros((B, 64), np.int64)
    for h in range(2):
        Lh = L[:, 128 * h:128 * h + 128]
        ql[:, 64 * h:64 * h + 32] = (Lh[:, 0:32] & 0xF) | ((Lh[:, 64:96] & 0xF) << 4)
        ql[:, 64 * h + 32:64 * h + 64] = (Lh[:, 32:64] & 0xF) | ((Lh[:, 96:128] & 0xF) << 4)
        qh[:, 32 * h:32 * h + 32] = ((Lh[:, 0:32] >> 4) | ((Lh[:, 32:64] >> 4) << 2)
                                     | ((Lh[:, 64:96] >> 4) << 4) | ((Lh[:, 96:128] >> 4) << 6))
    out = np.concatenate([ql.astype(np.uint8), qh.astype(np.uint8),
                          sc.astype(np.int8).view(np.uint8), u16_bytes(f16_bits(d))], axis=1)
    return np.where((max_abs < EPS)[:, None], np.uint8(0), out)


def best_index(v):
    """ggml's best_index_int8 over the IQ4 grid, element-wise on float32 v."""
    v = f32(v)
    ml = np.zeros(v.shape, np.int64)
    mu = np.full(v.shape, 15, np.int64)
    while True:
        active = (mu - ml) > 1
        if not active.any():
            break
        mav = (ml + mu) // 2
        less = v < GRID_F[mav]
        mu = np.where(active & less, mav, mu)
        ml = np.where(active & ~less, mav, ml)
    res = np.where(v - GRID_F[mu - 1] < GRID_F[mu] - v, mu - 1, mu)
    res = np.where(v >= GRID_F[15], 15, res)
    return np.where(v <= GRID_F[0], 0, res)


def iq4_block_scale(xb):
    """The scale of each 32-value row of xb (quantize_row_iq4_nl_impl, no weights, ntry 7)."""
    m = xb.shape[0]
    amax, mx = signed_amax(xb)

    def fit(inv):
        sumqx = np.zeros(m, F32)
        sumq2 = np.zeros(m, F32)
        for j in range(32):
            q = GRID_F[best_index(inv * xb[:, j])]
            w = xb[:, j] * xb[:, j]
            sumqx = sumqx + w * q * xb[:, j]
            sumq2 = sumq2 + w * q * q
        return f32(sumqx), f32(sumq2)

    d = -mx / F32(-127)
    sumqx, sumq2 = fit(F32(1) / d)
    d = (sumqx / sumq2).astype(F32)
    best = d * sumqx
    for itry in range(-7, 8):
        sumqx, sumq2 = fit(F32(itry - 127) / mx)
        upd = (sumq2 > 0) & (sumqx * sumqx > best * sumq2)
        d = np.where(upd, sumqx / sumq2, d).astype(F32)
        best = np.where(upd, d * sumqx, best).astype(F32)
    return np.where(amax < EPS, F32(0), d).astype(F32)


def iq4_pack(xb, inv):
    L = best_index(inv[:, None] * xb)
    return (L[:, :16] | (L[:, 16:] << 4)).astype(np.uint8)


def safe_inverse(v):
    out = np.zeros_like(v, dtype=F32)
    nz = v != 0
    out[nz] = F32(1) / v[nz]
    return out


def quantize_iq4_xs(x):
    B = x.shape[0]
    sub = x.reshape(B * 8, 32)
    scales = iq4_block_scale(sub).reshape(B, 8)
    _, max_scale = running_signed_max(scales)
    d = -max_scale / F32(32)
    l = np.clip(nearest_int(safe_inverse(d)[:, None] * scales), -32, 31)
    dl = d[:, None] * l.astype(F32)
    qs = iq4_pack(sub, safe_inverse(dl.reshape(-1))).reshape(B, 128)
    l = l + 32
    scales_l = ((l[:, 0::2] & 0xF) | ((l[:, 1::2] & 0xF) << 4)).astype(np.uint8)
    scales_h = np.zeros(B, np.int64)
    for ib in range(8):
        scales_h |= (l[:, ib] >> 4) << (2 * ib)
    return np.concatenate([u16_bytes(f16_bits(d)), u16_bytes(scales_h), scales_l, qs], axis=1)


def quantize_iq4_nl(x):
    b = x.reshape(-1, 32)
    d = iq4_block_scale(b)
    return np.concatenate([u16_bytes(f16_bits(d)), iq4_pack(b, safe_inverse(d))], axis=1)


def trunc_i8(v):
    """C's (int8_t) of a float as x86 computes it: truncate to int32, keep the low byte."""
    t = np.trunc(f32(v).astype(np.float64))
    ok = (t > -2147483648.0) & (t < 2147483648.0)
    i = np.where(ok, t, 0).astype(np.int64)
    return ((i + 128) & 0xFF) - 128


def pack5(q):
    """[B, 32] five-bit values -> (qh [B, 4] bytes, qs [B, 16] bytes)."""
    qs = ((q[:, :16] & 0xF) | ((q[:, 16:] & 0xF) << 4)).astype(np.uint8)
    qh = np.zeros(q.shape[0], np.int64)
    for j in range(32):
        qh |= ((q[:, j] & 0x10) >> 4) << j
    return qh.astype("<u4").view(np.uint8).reshape(-1, 4), qs


def quantize_q5_0(x):
    b = x.reshape(-1, 32)
    _, mx = signed_amax(b)
    d = mx / F32(-16)
    v = b * safe_inverse(d)[:, None]
    q = np.minimum(31, trunc_i8(v + F32(16.5))) & 0xFF
    qh, qs = pack5(q)
    return np.concatenate([u16_bytes(f16_bits(d)), qh, qs], axis=1)


def quantize_q5_1(x):
    b = x.reshape(-1, 32)
    mn = np.full(b.shape[0], np.finfo(F32).max, F32)
    mx = np.full(b.shape[0], -np.finfo(F32).max, F32)
    for j in range(32):
        mn = np.where(b[:, j] < mn, b[:, j], mn)
        mx = np.where(b[:, j] > mx, b[:, j], mx)
    d = (mx - mn) / F32(31)
    v = (b - mn[:, None]) * safe_inverse(d)[:, None]
    q = trunc_i8(v + F32(0.5)) & 0xFF
    qh, qs = pack5(q)
    return np.concatenate([u16_bytes(f16_bits(d)), u16_bytes(f16_bits(mn)), qh, qs], axis=1)


def unpack5(qh, qs):
    h = qh.copy().view("<u4").astype(np.int64).reshape(-1)
    q = np.zeros((qs.shape[0], 32), np.int64)
    q[:, :16] = qs & 0xF
    q[:, 16:] = qs >> 4
    for j in range(32):
        q[:, j] |= ((h >> j) & 1) << 4
    return q


def dequantize_q5_0(blocks):
    d = blocks[:, 0:2].copy().view("<f2").astype(F32)
    q = unpack5(blocks[:, 2:6], blocks[:, 6:22].astype(np.int64))
    return ((q - 16).astype(F32) * d).reshape(-1)


def dequantize_q5_1(blocks):
    d = blocks[:, 0:2].copy().view("<f2").astype(F32)
    m = blocks[:, 2:4].copy().view("<f2").astype(F32)
    q = unpack5(blocks[:, 4:8], blocks[:, 8:24].astype(np.int64))
    return (q.astype(F32) * d + m).reshape(-1)


def dequantize_iq4_nl(blocks):
    d = blocks[:, 0:2].copy().view("<f2").astype(F32)
    qs = blocks[:, 2:18].astype(np.int64)
    idx = np.concatenate([qs & 0xF, qs >> 4], axis=1)
    return (d * GRID_F[idx]).reshape(-1)


QUANTIZERS = {
    "q2_K": quantize_q2_K, "q3_K": quantize_q3_K, "q4_K": quantize_q4_K, "q5_K": quantize_q5_K,
    "q6_K": quantize_q6_K, "iq4_xs": quantize_iq4_xs, "q5_0": quantize_q5_0,
    "q5_1": quantize_q5_1, "iq4_nl": quantize_iq4_nl,
}
DEQUANTIZERS = {"q5_0": (22, dequantize_q5_0), "q5_1": (24, dequantize_q5_1),
                "iq4_nl": (18, dequantize_iq4_nl)}


def cases():
    rng = np.random.default_rng(20250214)
    nb = 64
    n = QK_K * nb
    out = {
        "normal": rng.standard_normal(n) * 0.02,
        "uniform": rng.uniform(-1, 1, n),
        "mixed_scales": rng.standard_normal(n) * np.repeat(10.0 ** rng.uniform(-6, 3, n // 16), 16),
        "tiny": rng.standard_normal(n) * 1e-6,
        "zeros": np.zeros(QK_K * 4),
        "constant": np.full(QK_K * 4, 0.37),
        "negative_constant": np.full(QK_K * 4, -2.5),
        "positive": np.abs(rng.standard_normal(n)),
        "few_levels": np.round(rng.standard_normal(n) * 2) / 4,
    }
    outl = rng.standard_normal(n) * 0.02
    idx = np.arange(nb * 4) * 64 + rng.integers(0, 64, nb * 4)
    outl[idx] = rng.choice([-1.0, 1.0], nb * 4) * rng.uniform(1, 30, nb * 4)
    out["outliers"] = outl
    # Whole zero sub-blocks (16 and 32 values) amid normal ones, and one zero block of 256.
    zs = rng.standard_normal(n)
    zs.reshape(-1, 16)[rng.random(n // 16) < 0.3] = 0
    zs[:QK_K] = 0
    out["zero_subblocks"] = zs
    # Sub-blocks below GROUP_MAX_EPS next to normal ones.
    sub_eps = rng.standard_normal(n)
    sub_eps.reshape(-1, 32)[rng.random(n // 32) < 0.3] *= 1e-17
    out["below_eps"] = sub_eps
    return {k: np.asarray(v).astype(F32) for k, v in out.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    names = []
    with np.errstate(all="ignore"):
        for name, x in cases().items():
            with open(os.path.join(args.out, name + ".f32"), "wb") as f:
                f.write(x.astype("<f4").tobytes())
            for fmt, fn in QUANTIZERS.items():
                rows = x.reshape(-1, 32 if fmt in DEQUANTIZERS else QK_K)
                blocks = fn(rows)
                with open(os.path.join(args.out, f"{name}.{fmt}"), "wb") as f:
                    f.write(blocks.astype(np.uint8).tobytes())
                if fmt in DEQUANTIZERS:
                    size, deq = DEQUANTIZERS[fmt]
                    blk = np.frombuffer(blocks.astype(np.uint8).tobytes(), np.uint8).reshape(-1, size)
                    with open(os.path.join(args.out, f"{name}.{fmt}.deq"), "wb") as f:
                        f.write(deq(blk).astype("<f4").tobytes())
            names.append(name)
    with open(os.path.join(args.out, "cases.txt"), "w") as f:
        f.write("\n".join(names) + "\n")


if __name__ == "__main__":
    main()
