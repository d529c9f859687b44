import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const INDEX = fileURLToPath(new URL('../../src/index.js', import.meta.url));

// Runs in a child with --expose-gc so buffers can be freed on demand; prints JSON.
const CHILD = String.raw`
const { F, releaseFreeMemory, randn } = await import(process.argv[1]);
const faults = () => process.resourceUsage().minorPageFault;
const rss = () => process.memoryUsage().rss / 2 ** 20;
const x = randn([1, 16, 64, 64, 64]); // 16 MB per activation
const step = () => {
  const f0 = faults();
  F.relu(F.mul(x, 2));
  return faults() - f0;
};
const perStep = [];
for (let i = 0; i < 7; i++) {
  perStep.push(step());
  globalThis.gc();
}
const held = Array.from({ length: 8 }, () => new Float32Array(8 << 20).fill(1)); // 256 MB
held.length = 0;
// V8 may free collected buffers on a background thread after gc() returns: give it a few chances.
const before = rss();
let released = false;
for (let i = 0; i < 10 && before - rss() < 128; i++) {
  globalThis.gc();
  await new Promise((r) => setTimeout(r, 50));
  released = releaseFreeMemory() || released;
}
console.log(JSON.stringify({ perStep, released, before, after: rss() }));
`;

test('freed op buffers are reused without page faults, and releaseFreeMemory returns them', () => {
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', CHILD, INDEX], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const { perStep, released, before, after } = JSON.parse(r.stdout) as { perStep: number[]; released: boolean; before: number; after: number };
  // Two fresh 16 MB buffers are 8192 pages of 4 KiB; once reused, a step faults in almost none of them.
  // V8 may free a collected buffer a little after gc() returns (a background sweeper), so a later step
  // can occasionally miss the reuse: most of them must not.
  assert.ok(perStep[0] > 4000, `first step faulted ${perStep[0]} pages`);
  const reused = perStep.slice(1).filter((n) => n < 500).length;
  assert.ok(reused >= 4, `only ${reused} of 6 later steps reused their buffers (faults per step: ${perStep.join(', ')})`);
  if (process.platform === 'linux') {
    assert.equal(released, true);
    assert.ok(before - after > 128, `RSS ${before.toFixed(0)} → ${after.toFixed(0)} MB after releaseFreeMemory`);
  }
});
