import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const INDEX = fileURLToPath(new URL('../../src/index.js', import.meta.url));

// In a child with --expose-gc: fill the heap with NaN-filled buffers of the sizes the ops will ask for,
// free them, then run every op whose output is allocated without clearing. Freed memory is reused, so
// an element a kernel fails to write shows up as NaN (inputs are finite, so nothing else can be NaN).
const CHILD = String.raw`
const { F, backend, nn, randn, convert, models } = await import(process.argv[1]);
const sizes = [];
const poison = () => {
  let bufs = [];
  for (const n of sizes) for (let r = 0; r < 3; r++) bufs.push(backend.allocF32Uninit(n).fill(NaN));
  bufs = null;
  globalThis.gc();
};
const bad = [];
const check = (name, t) => {
  if (!t) return;
  const d = t.data;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) { bad.push(name + ' at ' + i); return; }
};
const cases = {
  conv3d: (x) => F.conv3d(x, randn([16, 8, 3, 3, 3]).requiresGrad_(), randn([16]).requiresGrad_(), { padding: 1 }),
  conv3dStrided: (x) => F.conv3d(x, randn([16, 8, 3, 3, 3]).requiresGrad_(), null, { padding: 1, stride: 2 }),
  conv3dGroups: (x) => F.conv3d(x, randn([8, 2, 3, 3, 3]).requiresGrad_(), null, { padding: 1, groups: 4 }),
  acs: (x) => F.acsConv(x, randn([16, 8, 3, 3]).requiresGrad_(), randn([16]).requiresGrad_(), { padding: 1 }),
  acsStrided: (x) => F.acsConv(x, randn([16, 8, 3, 3]).requiresGrad_(), null, { padding: 1, stride: 2 }),
  acsDepthwise: (x) => F.acsConv(x, randn([8, 1, 3, 3]).requiresGrad_(), null, { padding: 1, groups: 8 }),
  batchNorm: (x) => new nn.BatchNorm3d(8).forward(x),
  relu: (x) => F.relu(x),
  add: (x) => F.add(x, x),
  maxPool: (x) => new nn.MaxPool3d(2, { stride: 2 }).forward(x),
  maxPoolOverlapping: (x) => new nn.MaxPool3d(3, { stride: 2, padding: 1 }).forward(x),
  adaptiveMaxPool: (x) => F.adaptiveMaxPool3d(x, [3, 2, 5]),
  avgPool: (x) => new nn.AvgPool3d(3, { stride: 2, padding: 1 }).forward(x),
  upsample: (x) => F.interpolate(x, { scaleFactor: 2, mode: 'trilinear' }),
  cat: (x) => F.cat([x, F.relu(x)], 1),
};
for (const [name, op] of Object.entries(cases)) {
  for (const shape of [[2, 8, 12, 10, 14], [1, 8, 33, 7, 9]]) {
    const numel = shape.reduce((a, b) => a * b, 1);
    sizes.push(numel, numel * 2, numel * 8);
    poison();
    const x = randn(shape).requiresGrad_();
    const y = op(x);
    check(name + ' forward', y);
    poison();
    y.backward(randn(y.shape));
    check(name + ' input gradient', x.grad);
  }
}
console.log(JSON.stringify({ bad }));
`;

test('outputs allocated without clearing are written entirely (heap poisoned with NaN first)', () => {
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', CHILD, INDEX], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const { bad } = JSON.parse(r.stdout) as { bad: string[] };
  assert.deepEqual(bad, []);
});
