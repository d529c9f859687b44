// Interpolation over [NC, D, H, W] planes from per-axis source tables (index pair and weight of the
// upper neighbour), computed in src/backend/resample.ts with PyTorch's float32 index formulas.
// Nearest is the same kernel with i1 = i0 and weight 0. Threads split the NC planes, so the
// backward scatter-add never races.
#include <cstdint>

#include "napi_args.h"
#include "registry.h"
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

// interpForward(x, geom[NC, D, H, W, oD, oH, oW], tables..., y)
Napi::Value InterpForward(const Napi::CallbackInfo& info) {
  const float* x = f32(info, 0);
  auto g = ints(info, 1);
  Tables t = tables_from(info, 2);
  float* y = f32(info, 11);
  const int64_t H = g[2], W = g[3], oD = g[4], oH = g[5], oW = g[6];
  const int64_t ip = g[1] * H * W, op = oD * oH * oW;
  parallel_for(g[0], [&](int64_t b, int64_t e, int) {
    for (int64_t pl = b; pl < e; ++pl) {
      const float* xp = x + pl * ip;
      float* yp = y + pl * op;
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
  const int64_t H = g[2], W = g[3], oD = g[4], oH = g[5], oW = g[6];
  const int64_t ip = g[1] * H * W, op = oD * oH * oW;
  parallel_for(g[0], [&](int64_t b, int64_t e, int) {
    for (int64_t pl = b; pl < e; ++pl) {
      float* xp = gx + pl * ip;
      const float* gp = gy + pl * op;
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
