// Interpolation over [NC, D, H, W] planes from per-axis source tables (index pair and weight of the
// upper neighbour), computed in src/backend/resample.ts with PyTorch's float32 index formulas.
// Nearest is the same kernel with i1 = i0 and weight 0. Threads split the NC planes, so the
// backward scatter-add never races.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "napi_args.h"
#include "registry.h"
#include "scratch.h"
#include "threadpool.h"

namespace acs {
namespace {

struct Tables {
  const int32_t *d0, *d1, *h0, *h1, *w0, *w1;
  const float *ld, *lh, *lw;
};

// Arguments from index `i`: i0D, i1D, lD, i0H, i1H, lH, i0W, i1W, lW.
Tables tables_from(const Napi::CallbackInfo& info, size_t i) {
  return {i32(info, i), i32(info, i + 1), i32(info, i + 3), i32(info, i + 4), i32(info, i + 6), i32(info, i + 7),
          f32(info, i + 2), f32(info, i + 5), f32(info, i + 8)};
}

// Separable: each input row (d, h) is interpolated along W once into a per-thread buffer of D·H·oW
// values, then every output row is a weighted sum of four such rows (contiguous, vectorised). Upsampling
// ×2 reads each W-interpolated row for four output rows, where the direct form gathered eight inputs per
// output. The backward runs the same two steps in reverse. Planes whose buffer would exceed kMaxTmp floats
// (large downsampling) use the direct per-element form.
constexpr int64_t kMaxTmp = int64_t{1} << 22;

// Output row (od, oh) of the separable form: the four W-interpolated rows it mixes (offsets into the
// D·H·oW buffer) and their D×H weights.
struct RowMix {
  int64_t off[4];
  float w[4];
};

RowMix row_mix(const Tables& t, int64_t od, int64_t oh, int64_t H, int64_t oW) {
  const float ld1 = t.ld[od], ld0 = 1.f - ld1, lh1 = t.lh[oh], lh0 = 1.f - lh1;
  return {{(t.d0[od] * H + t.h0[oh]) * oW, (t.d0[od] * H + t.h1[oh]) * oW, (t.d1[od] * H + t.h0[oh]) * oW,
           (t.d1[od] * H + t.h1[oh]) * oW},
          {ld0 * lh0, ld0 * lh1, ld1 * lh0, ld1 * lh1}};
}

// interpForward(x, geom[NC, D, H, W, oD, oH, oW], tables..., y)
Napi::Value InterpForward(const Napi::CallbackInfo& info) {
  const float* x = f32(info, 0);
  auto g = ints(info, 1);
  Tables t = tables_from(info, 2);
  float* y = f32(info, 11);
  const int64_t D = g[1], H = g[2], W = g[3], oD = g[4], oH = g[5], oW = g[6];
  const int64_t ip = D * H * W, op = oD * oH * oW;
  const bool separable = D * H * oW <= kMaxTmp;
  parallel_for(g[0], [&](int64_t b, int64_t e, int) {
    float* tmp = separable ? scratch<kResample>(static_cast<size_t>(D * H * oW)) : nullptr;
    for (int64_t pl = b; pl < e; ++pl) {
      const float* xp = x + pl * ip;
      float* yp = y + pl * op;
      if (separable) {
        for (int64_t r = 0; r < D * H; ++r) {
          const float* xr = xp + r * W;
          float* tr = tmp + r * oW;
          for (int64_t ow = 0; ow < oW; ++ow) tr[ow] = (1.f - t.lw[ow]) * xr[t.w0[ow]] + t.lw[ow] * xr[t.w1[ow]];
        }
        for (int64_t od = 0; od < oD; ++od) {
          for (int64_t oh = 0; oh < oH; ++oh) {
            const RowMix m = row_mix(t, od, oh, H, oW);
            const float *r0 = tmp + m.off[0], *r1 = tmp + m.off[1], *r2 = tmp + m.off[2],
                        *r3 = tmp + m.off[3];
            float* yr = yp + (od * oH + oh) * oW;
            for (int64_t ow = 0; ow < oW; ++ow) yr[ow] = m.w[0] * r0[ow] + m.w[1] * r1[ow] + m.w[2] * r2[ow] + m.w[3] * r3[ow];
          }
        }
        continue;
      }
      for (int64_t od = 0; od < oD; ++od) {
        const float* a0 = xp + t.d0[od] * H * W;
        const float* a1 = xp + t.d1[od] * H * W;
        const float ld1 = t.ld[od], ld0 = 1.f - ld1;
        for (int64_t oh = 0; oh < oH; ++oh) {
          const int64_t r0 = t.h0[oh] * W, r1 = t.h1[oh] * W;
          const float lh1 = t.lh[oh], lh0 = 1.f - lh1;
          float* yr = yp + (od * oH + oh) * oW;
          for (int64_t ow = 0; ow < oW; ++ow) {
            const int64_t c0 = t.w0[ow], c1 = t.w1[ow];
            const float lw1 = t.lw[ow], lw0 = 1.f - lw1;
            yr[ow] = ld0 * (lh0 * (lw0 * a0[r0 + c0] + lw1 * a0[r0 + c1]) + lh1 * (lw0 * a0[r1 + c0] + lw1 * a0[r1 + c1])) +
                     ld1 * (lh0 * (lw0 * a1[r0 + c0] + lw1 * a1[r0 + c1]) + lh1 * (lw0 * a1[r1 + c0] + lw1 * a1[r1 + c1]));
          }
        }
      }
    }
  });
  return info.Env().Undefined();
}

// interpBackward(gy, geom, tables..., gx): gx zeroed by the caller.
Napi::Value InterpBackward(const Napi::CallbackInfo& info) {
  const float* gy = f32(info, 0);
  auto g = ints(info, 1);
  Tables t = tables_from(info, 2);
  float* gx = f32(info, 11);
  const int64_t D = g[1], H = g[2], W = g[3], oD = g[4], oH = g[5], oW = g[6];
  const int64_t ip = D * H * W, op = oD * oH * oW;
  const bool separable = D * H * oW <= kMaxTmp;
  parallel_for(g[0], [&](int64_t b, int64_t e, int) {
    float* tmp = separable ? scratch<kResample>(static_cast<size_t>(D * H * oW)) : nullptr;
    for (int64_t pl = b; pl < e; ++pl) {
      float* xp = gx + pl * ip;
      const float* gp = gy + pl * op;
      if (separable) {
        std::fill(tmp, tmp + D * H * oW, 0.f);
        for (int64_t od = 0; od < oD; ++od) {
          for (int64_t oh = 0; oh < oH; ++oh) {
            const RowMix m = row_mix(t, od, oh, H, oW);
            const float* gr = gp + (od * oH + oh) * oW;
            // The four rows may coincide (edges, nearest): one at a time, so each update sees the last.
            for (int q = 0; q < 4; ++q) {
              float* r = tmp + m.off[q];
              for (int64_t ow = 0; ow < oW; ++ow) r[ow] += m.w[q] * gr[ow];
            }
          }
        }
        for (int64_t r = 0; r < D * H; ++r) {
          float* xr = xp + r * W;
          const float* tr = tmp + r * oW;
          for (int64_t ow = 0; ow < oW; ++ow) {
            xr[t.w0[ow]] += (1.f - t.lw[ow]) * tr[ow];
            xr[t.w1[ow]] += t.lw[ow] * tr[ow];
          }
        }
        continue;
      }
      for (int64_t od = 0; od < oD; ++od) {
        float* a0 = xp + t.d0[od] * H * W;
        float* a1 = xp + t.d1[od] * H * W;
        const float ld1 = t.ld[od], ld0 = 1.f - ld1;
        for (int64_t oh = 0; oh < oH; ++oh) {
          const int64_t r0 = t.h0[oh] * W, r1 = t.h1[oh] * W;
          const float lh1 = t.lh[oh], lh0 = 1.f - lh1;
          const float* gr = gp + (od * oH + oh) * oW;
          for (int64_t ow = 0; ow < oW; ++ow) {
            const int64_t c0 = t.w0[ow], c1 = t.w1[ow];
            const float lw1 = t.lw[ow], lw0 = 1.f - lw1;
            const float v = gr[ow];
            a0[r0 + c0] += ld0 * lh0 * lw0 * v;
            a0[r0 + c1] += ld0 * lh0 * lw1 * v;
            a0[r1 + c0] += ld0 * lh1 * lw0 * v;
            a0[r1 + c1] += ld0 * lh1 * lw1 * v;
            a1[r0 + c0] += ld1 * lh0 * lw0 * v;
            a1[r0 + c1] += ld1 * lh0 * lw1 * v;
            a1[r1 + c0] += ld1 * lh1 * lw0 * v;
            a1[r1 + c1] += ld1 * lh1 * lw1 * v;
          }
        }
      }
    }
  });
  return info.Env().Undefined();
}

ACS_EXPORT("interpForward", InterpForward);
ACS_EXPORT("interpBackward", InterpBackward);

}  // namespace
}  // namespace acs
