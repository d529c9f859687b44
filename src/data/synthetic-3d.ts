import { Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import {
  type ShapeObject,
  type SyntheticOptions,
  type SyntheticSet,
  addNoise,
  chooseDistinct,
  resolveOptions,
  startInHalf,
} from './synthetic-2d.js';

/**
 * Class names of the 3D shape set, by label value: the reference's order (cone, pyramid, cube,
 * cylinder, ball) shifted by one so that background is 0 (the reference put it last).
 */
export const SHAPE_CLASSES_3D = ['background', 'cone', 'pyramid', 'cube', 'cylinder', 'ball'] as const;

const CONE = 1;
const PYRAMID = 2;
const CUBE = 3;
const CYLINDER = 4;
const BALL = 5;

/**
 * Whether local voxel (t along the axis, u and v across it) is inside a shape of base size `a` and
 * length `h`, whose tip (cone, pyramid) sits at t = 0. The radius grows linearly from 0 at the tip to
 * a/2 at the base, as the reference's `np.linspace(0, a/2, h)`.
 */
function inside(cls: number, a: number, h: number, t: number, u: number, v: number): boolean {
  const c = (a - 1) / 2;
  const du = u - c;
  const dv = v - c;
  switch (cls) {
    case CONE: {
      const r = ((a / 2) * t) / (h - 1);
      return du * du + dv * dv <= r * r;
    }
    case PYRAMID:
      return Math.max(Math.abs(du), Math.abs(dv)) <= ((a / 2) * t) / (h - 1);
    case CYLINDER:
      return du * du + dv * dv <= (a / 2) ** 2;
    case CUBE:
      return true;
    case BALL: {
      const dt = t - c;
      return du * du + dv * dv + dt * dt <= (a / 2) ** 2;
    }
    default:
      throw new Error(`synthetic3d: unknown shape class ${cls}`);
  }
}

/**
 * The 3D proof-of-concept set of the ACS paper: S³ volumes (default 48), each with four objects in
 * four distinct octants, one per octant and fully inside it; each object one of cone, pyramid, cube,
 * cylinder, ball (labels 1..5, background 0), base size and length drawn from 5–24 (scaled by S/48);
 * cones, pyramids and cylinders lie along a random axis (D, H or W) pointing either way — the
 * orientations the reference's random 90° rotations produce. Image = binary foreground + N(0, 0.5²)
 * noise. Deterministic by `seed`; sample i does not depend on `n`. Like `generate_voxels`.
 */
export function synthetic3d(opts: SyntheticOptions): SyntheticSet {
  const o = resolveOptions(opts, 'synthetic3d', 4);
  const { n, size: S } = o;
  const V = S * S * S;
  const g = new Generator(o.seed);
  const image = new Float32Array(n * V);
  const label = new Int32Array(n * V);
  const objects: ShapeObject[][] = [];
  for (let i = 0; i < n; i++) {
    const img = image.subarray(i * V, (i + 1) * V);
    const lab = label.subarray(i * V, (i + 1) * V);
    const objs: ShapeObject[] = [];
    for (const cell of chooseDistinct(g, 8, 4)) {
      const a = g.int(o.minSize, o.maxSize + 1);
      const len = g.int(o.minSize, o.maxSize + 1);
      const cls = g.int(1, 6);
      const oriented = cls === CONE || cls === PYRAMID || cls === CYLINDER;
      const axis = oriented ? g.int(0, 3) : 0;
      const flipped = oriented ? g.int(0, 2) === 1 : false;
      const h = oriented ? len : a;
      const extent = [a, a, a];
      extent[axis] = h;
      const origin = [0, 1, 2].map((ax) => startInHalf(g, S, (cell & (4 >> ax)) !== 0, extent[ax]));
      const pos = [0, 0, 0];
      for (let t = 0; t < h; t++) {
        const tl = flipped ? h - 1 - t : t;
        for (let u = 0; u < a; u++) {
          for (let v = 0; v < a; v++) {
            if (!inside(cls, a, h, tl, u, v)) continue;
            // Local (t, u, v) → volume axes: t goes along `axis`, u and v fill the other two in order.
            pos[axis] = t;
            pos[(axis + 1) % 3] = u;
            pos[(axis + 2) % 3] = v;
            const idx = (origin[0] + pos[0]) * S * S + (origin[1] + pos[1]) * S + origin[2] + pos[2];
            img[idx] = 1;
            lab[idx] = cls;
          }
        }
      }
      const obj: ShapeObject = { cls, cell, origin, extent };
      if (oriented) {
        obj.axis = axis;
        obj.flipped = flipped;
      }
      objs.push(obj);
    }
    addNoise(g, img, o.noise);
    objects.push(objs);
  }
  return {
    image: new Tensor(image, [n, 1, S, S, S], 'float32'),
    label: new Tensor(label, [n, S, S, S], 'int32'),
    objects,
  };
}
