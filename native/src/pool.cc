// Pooling kernels (max, average, adaptive average, adaptive max), forward and backward, over
// [NC, D, H, W] planes; 2D pooling is the 3D kernel with D = 1. Threads split the NC planes, so
// backward scatter-adds never race. Output sizes and argument rules are checked in src/backend/pool.ts.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "napi_args.h"
#include "registry.h"
#include "threadpool.h"

namespace acs {
namespace {

struct Geom {
  int64_t nc, D, H, W, oD, oH, oW;
  int64_t in_plane() const { return D * H * W; }
  int64_t out_plane() const { return oD * oH * oW; }
};

Geom geom_from(const Napi::CallbackInfo& info, size_t i) {
  auto g = ints(info, i);  // [NC, D, H, W, oD, oH, oW]
  return {g[0], g[1], g[2], g[3], g[4], g[5], g[6]};
}

// PyTorch's adaptive window: [floor(o*I/O), ceil((o+1)*I/O)).
inline int64_t ada_start(int64_t o, int64_t in, int64_t out) { return (o * in) / out; }
inline int64_t ada_end(int64_t o, int64_t in, int64_t out) { return ((o + 1) * in + out - 1) / out; }

// maxPool3dForward(x, geom, k, s, p, d, out, idx): idx is the flat index within the input plane.
Napi::Value MaxPoolForward(const Napi::CallbackInfo& info) {
  const float* x = f32(info, 0);
  Geom g = geom_from(info, 1);
  auto k = ints(info, 2), s = ints(info, 3), p = ints(info, 4), d = ints(info, 5);
  float* out = f32(info, 6);
  int32_t* idx = i32(info, 7);
  parallel_for(g.nc, [&](int64_t b, int64_t e, int) {
    for (int64_t pl = b; pl < e; ++pl) {
      const float* xp = x + pl * g.in_plane();
      float* op = out + pl * g.out_plane();
      int32_t* ip = idx + pl * g.out_plane();
      for (int64_t od = 0; od < g.oD; ++od)
        for (int64_t oh = 0; oh < g.oH; ++oh)
          for (int64_t ow = 0; ow < g.oW; ++ow) {
            float best = -std::numeric_limits<float>::infinity();
            int64_t besti = -1;
            for (int64_t a = 0; a < k[0]; ++a) {
              int64_t id = od * s[0] - p[0] + a * d[0];
              if (id < 0 || id >= g.D) continue;
              for (int64_t bb = 0; bb < k[1]; ++bb) {
                int64_t ih = oh * s[1] - p[1] + bb * d[1];
                if (ih < 0 || ih >= g.H) continue;
                for (int64_t c = 0; c < k[2]; ++c) {
                  int64_t iw = ow * s[2] - p[2] + c * d[2];
                  if (iw < 0 || iw >= g.W) continue;
                  int64_t li = (id * g.H + ih) * g.W + iw;
                  float v = xp[li];
                  // As PyTorch: NaN wins, ties keep the first position in scan order.
                  if (besti < 0 || v > best || std::isnan(v)) {
                    best = v;
                    besti = li;
                    if (std::isnan(v)) goto done;
                  }
                }
              }
            }
          done:
            int64_t o = (od * g.oH + oh) * g.oW + ow;
            op[o] = besti < 0 ? -std::numeric_limits<float>::infinity() : best;
            ip[o] = static_cast<int32_t>(besti < 0 ? 0 : besti);
          }
    }
  });
  return info.Env().Undefined();
}

// indexPoolBackward(gy, idx, geom, gx): gx (zeroed by the caller) += gy at the saved argmax.
Napi::Value IndexPoolBackward(const Napi::CallbackInfo& info) {
  const float* gy = f32(info, 0);
  const int32_t* idx = i32(info, 1);
  Geom g = geom_from(info, 2);
  float* gx = f32(info, 3);
  parallel_for(g.nc, [&](int64_t b, int64_t e, int) {
    for (int64_t pl = b; pl < e; ++pl) {
      const float* gp = gy + pl * g.out_plane();
      const int32_t* ip = idx + pl * g.out_plane();
      float* xp = gx + pl * g.in_plane();
      for (int64_t o = 0; o < g.out_plane(); ++o) xp[ip[o]] += gp[o];
    }
  });
  return info.Env().Undefined();
}

// PyTorch's average-pool window: the divisor counts padding but not the part beyond it that ceil
// mode adds; without countIncludePad it counts the in-bounds cells only.
struct AvgWin {
  int64_t s0, e0, s1, e1, s2, e2;
  float inv;
};

inline AvgWin avg_window(const Geom& g, int64_t od, int64_t oh, int64_t ow, const std::vector<int64_t>& k,
                         const std::vector<int64_t>& s, const std::vector<int64_t>& p, bool include_pad) {
  int64_t ds = od * s[0] - p[0], hs = oh * s[1] - p[1], ws = ow * s[2] - p[2];
  int64_t de = std::min(ds + k[0], g.D + p[0]), he = std::min(hs + k[1], g.H + p[1]),
          we = std::min(ws + k[2], g.W + p[2]);
  int64_t pool = (de - ds) * (he - hs) * (we - ws);
  ds = std::max<int64_t>(ds, 0);
  hs = std::max<int64_t>(hs, 0);
  ws = std::max<int64_t>(ws, 0);
  de = std::min(de, g.D);
  he = std::min(he, g.H);
  we = std::min(we, g.W);
  int64_t cnt = include_pad ? pool : (de - ds) * (he - hs) * (we - ws);
  return {ds, de, hs, he, ws, we, cnt > 0 ? 1.f / static_cast<float>(cnt) : 0.f};
}

// avgPool3dForward(x, geom, k, s, p, countIncludePad, out)
Napi::Value AvgPoolForward(const Napi::CallbackInfo& info) {
  const float* x = f32(info, 0);
  Geom g = geom_from(info, 1);
  auto k = ints(info, 2), s = ints(info, 3), p = ints(info, 4);
  bool inc = flag(info, 5);
  float* out = f32(info, 6);
  parallel_for(g.nc, [&](int64_t b, int64_t e, int) {
    for (int64_t pl = b; pl < e; ++pl) {
      const float* xp = x + pl * g.in_plane();
      float* op = out + pl * g.out_plane();
      for (int64_t od = 0; od < g.oD; ++od)
        for (int64_t oh = 0; oh < g.oH; ++oh)
          for (int64_t ow = 0; ow < g.oW; ++ow) {
            AvgWin w = avg_window(g, od, oh, ow, k, s, p, inc);
            float acc = 0.f;
            for (int64_t id = w.s0; id < w.e0; ++id)
              for (int64_t ih = w.s1; ih < w.e1; ++ih)
                for (int64_t iw = w.s2; iw < w.e2; ++iw) acc += xp[(id * g.H + ih) * g.W + iw];
            op[(od * g.oH + oh) * g.oW + ow] = acc * w.inv;
          }
    }
  });
  return info.Env().Undefined();
}

// avgPool3dBackward(gy, geom, k, s, p, countIncludePad, gx): gx zeroed by the caller.
Napi::Value AvgPoolBackward(const Napi::CallbackInfo& info) {
  const float* gy = f32(info, 0);
  Geom g = geom_from(info, 1);
  auto k = ints(info, 2), s = ints(info, 3), p = ints(info, 4);
  bool inc = flag(info, 5);
  float* gx = f32(info, 6);
  parallel_for(g.nc, [&](int64_t b, int64_t e, int) {
    for (int64_t pl = b; pl < e; ++pl) {
      const float* gp = gy + pl * g.out_plane();
      float* xp = gx + pl * g.in_plane();
      for (int64_t od = 0; od < g.oD; ++od)
        for (int64_t oh = 0; oh < g.oH; ++oh)
          for (int64_t ow = 0; ow < g.oW; ++ow) {
            AvgWin w = avg_window(g, od, oh, ow, k, s, p, inc);
            float v = gp[(od * g.oH + oh) * g.oW + ow] * w.inv;
            for (int64_t id = w.s0; id < w.e0; ++id)
              for (int64_t ih = w.s1; ih < w.e1; ++ih)
                for (int64_t iw = w.s2; iw < w.e2; ++iw) xp[(id * g.H + ih) * g.W + iw] += v;
          }
    }
  });
  return info.Env().Undefined();
}

// adaptivePool3dForward(x, geom, isMax, out, idx|null)
Napi::Value AdaptivePoolForward(const Napi::CallbackInfo& info) {
  const float* x = f32(info, 0);
  Geom g = geom_from(info, 1);
  bool is_max = flag(info, 2);
  float* out = f32(info, 3);
  int32_t* idx = is_max ? i32(info, 4) : nullptr;
  parallel_for(g.nc, [&](int64_t b, int64_t e, int) {
    for (int64_t pl = b; pl < e; ++pl) {
      const float* xp = x + pl * g.in_plane();
      float* op = out + pl * g.out_plane();
      for (int64_t od = 0; od < g.oD; ++od) {
        int64_t d0 = ada_start(od, g.D, g.oD), d1 = ada_end(od, g.D, g.oD);
        for (int64_t oh = 0; oh < g.oH; ++oh) {
          int64_t h0 = ada_start(oh, g.H, g.oH), h1 = ada_end(oh, g.H, g.oH);
          for (int64_t ow = 0; ow < g.oW; ++ow) {
            int64_t w0 = ada_start(ow, g.W, g.oW), w1 = ada_end(ow, g.W, g.oW);
            int64_t o = (od * g.oH + oh) * g.oW + ow;
            if (is_max) {
              float best = 0.f;
              int64_t besti = -1;
              for (int64_t id = d0; id < d1; ++id)
                for (int64_t ih = h0; ih < h1; ++ih)
                  for (int64_t iw = w0; iw < w1; ++iw) {
                    int64_t li = (id * g.H + ih) * g.W + iw;
                    float v = xp[li];
                    if (besti < 0 || v > best || std::isnan(v)) {
                      best = v;
                      besti = li;
                      if (std::isnan(v)) goto found;
                    }
                  }
            found:
              op[o] = best;
              idx[pl * g.out_plane() + o] = static_cast<int32_t>(besti);
            } else {
              float acc = 0.f;
              for (int64_t id = d0; id < d1; ++id)
                for (int64_t ih = h0; ih < h1; ++ih)
                  for (int64_t iw = w0; iw < w1; ++iw) acc += xp[(id * g.H + ih) * g.W + iw];
              op[o] = acc / static_cast<float>((d1 - d0) * (h1 - h0) * (w1 - w0));
            }
          }
        }
      }
    }
  });
  return info.Env().Undefined();
}

// adaptiveAvgPool3dBackward(gy, geom, gx): gx zeroed by the caller.
Napi::Value AdaptiveAvgPoolBackward(const Napi::CallbackInfo& info) {
  const float* gy = f32(info, 0);
  Geom g = geom_from(info, 1);
  float* gx = f32(info, 2);
  parallel_for(g.nc, [&](int64_t b, int64_t e, int) {
    for (int64_t pl = b; pl < e; ++pl) {
      const float* gp = gy + pl * g.out_plane();
      float* xp = gx + pl * g.in_plane();
      for (int64_t od = 0; od < g.oD; ++od) {
        int64_t d0 = ada_start(od, g.D, g.oD), d1 = ada_end(od, g.D, g.oD);
        for (int64_t oh = 0; oh < g.oH; ++oh) {
          int64_t h0 = ada_start(oh, g.H, g.oH), h1 = ada_end(oh, g.H, g.oH);
          for (int64_t ow = 0; ow < g.oW; ++ow) {
            int64_t w0 = ada_start(ow, g.W, g.oW), w1 = ada_end(ow, g.W, g.oW);
            float v = gp[(od * g.oH + oh) * g.oW + ow] / static_cast<float>((d1 - d0) * (h1 - h0) * (w1 - w0));
            for (int64_t id = d0; id < d1; ++id)
              for (int64_t ih = h0; ih < h1; ++ih)
                for (int64_t iw = w0; iw < w1; ++iw) xp[(id * g.H + ih) * g.W + iw] += v;
          }
        }
      }
    }
  });
  return info.Env().Undefined();
}

ACS_EXPORT("maxPool3dForward", MaxPoolForward);
ACS_EXPORT("indexPoolBackward", IndexPoolBackward);
ACS_EXPORT("avgPool3dForward", AvgPoolForward);
ACS_EXPORT("avgPool3dBackward", AvgPoolBackward);
ACS_EXPORT("adaptivePool3dForward", AdaptivePoolForward);
ACS_EXPORT("adaptiveAvgPool3dBackward", AdaptiveAvgPoolBackward);

}  // namespace
}  // namespace acs
