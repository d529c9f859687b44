// Convolution for 2 and 3 spatial dims (2D is 3D with D = 1): forward, input and weight gradients
// and (through the input gradient) transposed convolution. im2col/vol2col into a per-thread column
// tile of a band of output rows, then acs::sgemm; col2im scatter-add for the input gradient.
// Threads go over independent (image, group, tile) items; the sgemm calls ask for parallelism, which
// they get only when the item loop runs inline (one item): a nested parallel_for runs single-threaded.
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "acs_fast.h"
#include "elementwise.h"
#include "gemm.h"
#include "napi_args.h"
#include "registry.h"
#include "scratch.h"
#include "threadpool.h"

namespace acs {
namespace {

struct Geom {
  int64_t n, cin, cout, groups;
  int64_t in[3], out[3], k[3], s[3], p[3], d[3];
  int64_t cg, coutg, ksize, in_sp, out_sp, cgk;  // derived
  int64_t rows;                                 // output rows (od, oh) = out[0] * out[1]

  void finish() {
    cg = cin / groups;
    coutg = cout / groups;
    ksize = k[0] * k[1] * k[2];
    in_sp = in[0] * in[1] * in[2];
    out_sp = out[0] * out[1] * out[2];
    cgk = cg * ksize;
    rows = out[0] * out[1];
  }
  // A 1x1x1 kernel with unit stride and no padding: the input itself is the column matrix.
  bool pointwise() const {
    return ksize == 1 && s[0] == 1 && s[1] == 1 && s[2] == 1 && p[0] == 0 && p[1] == 0 && p[2] == 0 &&
           in[0] == out[0] && in[1] == out[1] && in[2] == out[2];
  }
  // Output rows per column tile: keep the tile about L2-sized, but wide enough for an efficient GEMM.
  int64_t tile_rows() const {
    const int64_t budget = 96 * 1024;  // floats (384 KiB)
    int64_t r = budget / std::max<int64_t>(1, cgk * out[2]);
    int64_t min_cols = 128;
    r = std::max(r, (min_cols + out[2] - 1) / out[2]);
    return std::clamp<int64_t>(r, 1, rows);
  }
};

// Stride-1 convolutions whose output has the input's size (k = 3, padding 1 and the like, any dilation)
// run on the implicit-GEMM kernels of the ACS fast path (acs_fast.cc): every tap reads x at a constant
// offset, so taps feed the register-tiled microkernel straight from x with no column buffer. Pointwise
// convolutions are a plain GEMM already, and groups of a few channels (depthwise) would leave most of
// the microkernel's rows empty, so both stay on im2col + sgemm.
bool fast_conv(const Geom& g, AcsFastConv* f) {
  if (!acs_fast_direct_usable() || g.pointwise() || g.coutg < 8) return false;
  for (int a = 0; a < 3; ++a) {
    if (g.s[a] != 1 || g.out[a] != g.in[a] || g.k[a] > kAcsFastMaxKernel) return false;
  }
  AcsFastPart part{0, g.cout, {}};
  for (int64_t kd = 0; kd < g.k[0]; ++kd)
    for (int64_t kh = 0; kh < g.k[1]; ++kh)
      for (int64_t kw = 0; kw < g.k[2]; ++kw) {
        part.taps.push_back({kd * g.d[0] - g.p[0], kh * g.d[1] - g.p[1], kw * g.d[2] - g.p[2], 0});
      }
  *f = AcsFastConv{g.n, g.cin, g.cout, g.out[0], g.out[1], g.out[2], g.groups, {std::move(part)}};
  return true;
}

// Geometry from JS: dims = [N, Cin, Cout, groups], then six triples (in, out, k, s, p, d) over (D, H, W).
Geom read_geom(const Napi::CallbackInfo& info, size_t i) {
  auto v = ints(info, i);
  Geom g{};
  g.n = v[0];
  g.cin = v[1];
  g.cout = v[2];
  g.groups = v[3];
  for (int a = 0; a < 3; ++a) {
    g.in[a] = v[4 + a];
    g.out[a] = v[7 + a];
    g.k[a] = v[10 + a];
    g.s[a] = v[13 + a];
    g.p[a] = v[16 + a];
    g.d[a] = v[19 + a];
  }
  g.finish();
  return g;
}

// Valid output range [lo, hi) along W for tap offset `off` (= kw * dw - pw): 0 <= ow * s + off < in.
inline void valid_range(int64_t off, int64_t s, int64_t in, int64_t out, int64_t& lo, int64_t& hi) {
  lo = off >= 0 ? 0 : (-off + s - 1) / s;
  hi = in - off <= 0 ? 0 : (in - off + s - 1) / s;
  hi = std::min(hi, out);
  if (lo > hi) lo = hi;
}

// col[(c, kd, kh, kw), (r - r0) * oW + ow] = x[c, od*sd - pd + kd*dd, oh*sh - ph + kh*dh, ow*sw - pw + kw*dw]
// for output rows r = od * oH + oh in [r0, r1); zero outside the input (the padding).
void im2col(const Geom& g, const float* x, int64_t r0, int64_t r1, float* col) {
  const int64_t oW = g.out[2], oH = g.out[1], W = g.in[2], H = g.in[1], D = g.in[0];
  const int64_t cols = (r1 - r0) * oW;
  float* dst = col;
  for (int64_t c = 0; c < g.cg; ++c) {
    const float* xc = x + c * g.in_sp;
    for (int64_t kd = 0; kd < g.k[0]; ++kd)
      for (int64_t kh = 0; kh < g.k[1]; ++kh)
        for (int64_t kw = 0; kw < g.k[2]; ++kw) {
          const int64_t offw = kw * g.d[2] - g.p[2];
          int64_t lo, hi;
          valid_range(offw, g.s[2], W, oW, lo, hi);
          float* row = dst;
          for (int64_t r = r0; r < r1; ++r, row += oW) {
            const int64_t od = r / oH, oh = r - od * oH;
            const int64_t id = od * g.s[0] - g.p[0] + kd * g.d[0];
            const int64_t ih = oh * g.s[1] - g.p[1] + kh * g.d[1];
            if (id < 0 || id >= D || ih < 0 || ih >= H) {
              std::memset(row, 0, sizeof(float) * oW);
              continue;
            }
            const float* src = xc + (id * H + ih) * W + offw;
            for (int64_t ow = 0; ow < lo; ++ow) row[ow] = 0.f;
            if (g.s[2] == 1) {
              std::memcpy(row + lo, src + lo, sizeof(float) * (hi - lo));
            } else {
              const int64_t sw = g.s[2];
              for (int64_t ow = lo; ow < hi; ++ow) row[ow] = src[ow * sw];
            }
            for (int64_t ow = hi; ow < oW; ++ow) row[ow] = 0.f;
          }
          dst += cols;
        }
  }
}

// The adjoint of im2col: dx[c, id, ih, iw] += col[...] for every tap that read it.
void col2im(const Geom& g, const float* col, int64_t r0, int64_t r1, float* dx) {
  const int64_t oW = g.out[2], oH = g.out[1], W = g.in[2], H = g.in[1], D = g.in[0];
  const int64_t cols = (r1 - r0) * oW;
  const float* srcp = col;
  for (int64_t c = 0; c < g.cg; ++c) {
    float* xc = dx + c * g.in_sp;
    for (int64_t kd = 0; kd < g.k[0]; ++kd)
      for (int64_t kh = 0; kh < g.k[1]; ++kh)
        for (int64_t kw = 0; kw < g.k[2]; ++kw) {
          const int64_t offw = kw * g.d[2] - g.p[2];
          int64_t lo, hi;
          valid_range(offw, g.s[2], W, oW, lo, hi);
          const float* row = srcp;
          for (int64_t r = r0; r < r1; ++r, row += oW) {
            const int64_t od = r / oH, oh = r - od * oH;
            const int64_t id = od * g.s[0] - g.p[0] + kd * g.d[0];
            const int64_t ih = oh * g.s[1] - g.p[1] + kh * g.d[1];
            if (id < 0 || id >= D || ih < 0 || ih >= H) continue;
            float* dst = xc + (id * H + ih) * W + offw;
            const int64_t sw = g.s[2];
            if (sw == 1) {
              for (int64_t ow = lo; ow < hi; ++ow) dst[ow] += row[ow];
            } else {
              for (int64_t ow = lo; ow < hi; ++ow) dst[ow * sw] += row[ow];
            }
          }
          srcp += cols;
        }
  }
}

// out[N, Cout, oD, oH, oW] = conv(x, w) + b.
void conv_forward(const Geom& g, const float* x, const float* w, const float* b, float* out) {
  AcsFastConv f;
  if (fast_conv(g, &f)) {
    return acs_fast_forward(f, x, w, b, out);
  }
  const int64_t tr = g.tile_rows();
  const int64_t tiles = (g.rows + tr - 1) / tr;
  const bool pw = g.pointwise();
  parallel_for(g.n * g.groups * tiles, [&](int64_t i0, int64_t i1, int) {
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t t = i % tiles, ng = i / tiles, grp = ng % g.groups, n = ng / g.groups;
      const int64_t r0 = t * tr, r1 = std::min(g.rows, r0 + tr), c0 = r0 * g.out[2], nc = (r1 - r0) * g.out[2];
      const float* xg = x + (n * g.cin + grp * g.cg) * g.in_sp;
      const float* wg = w + grp * g.coutg * g.cgk;
      float* og = out + (n * g.cout + grp * g.coutg) * g.out_sp + c0;
      if (pw) {
        sgemm(false, false, g.coutg, nc, g.cgk, 1.f, wg, g.cgk, xg + c0, g.in_sp, 0.f, og, g.out_sp, true);
      } else {
        float* col = scratch<kConvCol>(static_cast<size_t>(g.cgk * nc));
        im2col(g, xg, r0, r1, col);
        sgemm(false, false, g.coutg, nc, g.cgk, 1.f, wg, g.cgk, col, nc, 0.f, og, g.out_sp, true);
      }
    }
  });
  if (b) add_channel(out, b, g.n, g.cout, g.out_sp);
}

// dx[N, Cin, D, H, W] = conv's input gradient (dx is overwritten). Tiles of one image and group
// overlap in dx, so rows are split into chunks along the outer spatial axis that are at least one
// receptive field apart; even chunks run in parallel, then odd ones.
void conv_backward_input(const Geom& g, const float* dout, const float* w, float* dx) {
  AcsFastConv f;
  if (fast_conv(g, &f)) return acs_fast_backward_input(f, dout, w, dx, false);
  zero_fill(dx, g.n * g.cin * g.in_sp);
  const bool pw = g.pointwise();
  const int64_t tr = g.tile_rows();
  const int axis = g.out[0] >= 2 ? 0 : 1;  // outer axis: D, or H when there is one output plane
  const int64_t units = g.out[axis], rows_per_unit = axis == 0 ? g.out[1] : 1;
  int64_t span = (g.d[axis] * (g.k[axis] - 1) + g.s[axis] - 1) / g.s[axis];
  span = std::max<int64_t>(span, 1);
  const int64_t ng_count = g.n * g.groups, T = num_threads();
  int64_t chunks = 1;
  if (!pw && ng_count < 2 * T) {
    const int64_t want = 2 * ((2 * T + ng_count - 1) / ng_count);
    chunks = std::min(want, units / span);
    if (chunks < 2) chunks = 1;
  }
  if (pw) chunks = std::max<int64_t>(1, std::min(units, 2 * T));  // no overlap: any split works
  const int phases = (!pw && chunks > 1) ? 2 : 1;
  const int64_t per_phase = pw ? chunks : (chunks + 1) / 2;
  for (int ph = 0; ph < phases; ++ph) {
    parallel_for(ng_count * per_phase, [&](int64_t i0, int64_t i1, int) {
      for (int64_t i = i0; i < i1; ++i) {
        const int64_t ci = i % per_phase, ng = i / per_phase, grp = ng % g.groups, n = ng / g.groups;
        const int64_t c = pw || phases == 1 ? ci : 2 * ci + ph;
        if (c >= chunks) continue;
        const int64_t row_lo = units * c / chunks * rows_per_unit, row_hi = units * (c + 1) / chunks * rows_per_unit;
        const float* dog = dout + (n * g.cout + grp * g.coutg) * g.out_sp;
        const float* wg = w + grp * g.coutg * g.cgk;
        float* dxg = dx + (n * g.cin + grp * g.cg) * g.in_sp;
        for (int64_t r0 = row_lo; r0 < row_hi; r0 += tr) {
          const int64_t r1 = std::min(row_hi, r0 + tr), c0 = r0 * g.out[2], nc = (r1 - r0) * g.out[2];
          if (pw) {
            sgemm(true, false, g.cgk, nc, g.coutg, 1.f, wg, g.cgk, dog + c0, g.out_sp, 0.f, dxg + c0, g.in_sp, true);
          } else {
            float* col = scratch<kConvCol>(static_cast<size_t>(g.cgk * nc));
            sgemm(true, false, g.cgk, nc, g.coutg, 1.f, wg, g.cgk, dog + c0, g.out_sp, 0.f, col, nc, true);
            col2im(g, col, r0, r1, dxg);
          }
        }
      }
    });
  }
}

// dw[Cout, Cin/groups, kD, kH, kW] = conv's weight gradient (overwritten). Per-thread partial sums
// over (image, group, tile) work items, reduced at the end.
void conv_backward_weight(const Geom& g, const float* x, const float* dout, float* dw) {
  AcsFastConv f;
  if (fast_conv(g, &f)) {
    std::memset(dw, 0, sizeof(float) * g.cout * g.cgk);
    return acs_fast_backward_weight(f, x, dout, dw);
  }
  const int64_t tr = g.tile_rows();
  const int64_t tiles = (g.rows + tr - 1) / tr;
  const bool pw = g.pointwise();
  const int64_t wsize = g.cout * g.cgk;
  const int64_t items = g.n * g.groups * tiles;
  const int64_t T = std::max<int64_t>(1, std::min<int64_t>(num_threads(), items));
  float* partial = scratch<kConvPartials>(static_cast<size_t>(T * wsize));
  std::vector<char> used(T, 0);
  parallel_for(items, [&](int64_t i0, int64_t i1, int tid) {
    float* acc = partial + tid * wsize;
    std::memset(acc, 0, sizeof(float) * wsize);
    used[tid] = 1;
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t t = i % tiles, ng = i / tiles, grp = ng % g.groups, n = ng / g.groups;
      const int64_t r0 = t * tr, r1 = std::min(g.rows, r0 + tr), c0 = r0 * g.out[2], nc = (r1 - r0) * g.out[2];
      const float* xg = x + (n * g.cin + grp * g.cg) * g.in_sp;
      const float* dog = dout + (n * g.cout + grp * g.coutg) * g.out_sp + c0;
      float* accg = acc + grp * g.coutg * g.cgk;
      if (pw) {
        sgemm(false, true, g.coutg, g.cgk, nc, 1.f, dog, g.out_sp, xg + c0, g.in_sp, 1.f, accg, g.cgk, true);
      } else {
        float* col = scratch<kConvCol>(static_cast<size_t>(g.cgk * nc));
        im2col(g, xg, r0, r1, col);
        sgemm(false, true, g.coutg, g.cgk, nc, 1.f, dog, g.out_sp, col, nc, 1.f, accg, g.cgk, true);
      }
    }
  }, 1);
  parallel_for(wsize, [&](int64_t j0, int64_t j1, int) {
    for (int64_t j = j0; j < j1; ++j) {
      float s = 0.f;
      for (int64_t t = 0; t < T; ++t)
        if (used[t]) s += partial[t * wsize + j];
      dw[j] = s;
    }
  }, 4096);
}

// convForward(geom, x, w, b | null, out)
Napi::Value ConvForward(const Napi::CallbackInfo& info) {
  Geom g = read_geom(info, 0);
  conv_forward(g, f32(info, 1), f32(info, 2), f32_or_null(info, 3), f32(info, 4));
  return info.Env().Undefined();
}

// convBackwardInput(geom, dout, w, dx, b | null): dx = conv input gradient, plus b per channel of dx
// (the bias of a transposed convolution, whose forward this is).
Napi::Value ConvBackwardInput(const Napi::CallbackInfo& info) {
  Geom g = read_geom(info, 0);
  float* dx = f32(info, 3);
  conv_backward_input(g, f32(info, 1), f32(info, 2), dx);
  const float* b = f32_or_null(info, 4);
  if (b) add_channel(dx, b, g.n, g.cin, g.in_sp);
  return info.Env().Undefined();
}

// convBackwardWeight(geom, x, dout, dw)
Napi::Value ConvBackwardWeight(const Napi::CallbackInfo& info) {
  Geom g = read_geom(info, 0);
  conv_backward_weight(g, f32(info, 1), f32(info, 2), f32(info, 3));
  return info.Env().Undefined();
}

ACS_EXPORT("convForward", ConvForward);
ACS_EXPORT("convBackwardInput", ConvBackwardInput);
ACS_EXPORT("convBackwardWeight", ConvBackwardWeight);

}  // namespace
}  // namespace acs
