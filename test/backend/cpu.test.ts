import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { backend } from '../../src/index.js';

const INDEX = fileURLToPath(new URL('../../src/index.js', import.meta.url));
const LEVELS = ['generic', 'avx2', 'avx512'];

// Prints what a fresh process with the given environment dispatches to.
const CHILD = String.raw`
const { backend } = await import(process.argv[1]);
console.log(JSON.stringify({
  isa: backend.isa(), cpu: backend.cpuIsa(), gemm: backend.gemmKernel(), ew: backend.elementwiseKernel(),
  fast: backend.setAcsFastPath(true), forceAvx512: backend.setGemmKernel('avx512'),
}));
`;

function child(isa: string | undefined): ReturnType<typeof spawnSync> {
  const env = { ...process.env };
  delete env.ACSCONV_ISA;
  delete env.ACSCONV_GEMM_KERNEL;
  if (isa !== undefined) env.ACSCONV_ISA = isa;
  return spawnSync(process.execPath, ['--input-type=module', '-e', CHILD, INDEX], { encoding: 'utf8', env });
}

test('isa() is cpuIsa() lowered to ACSCONV_ISA, and the default kernels follow it', () => {
  const isa = backend.isa();
  const cpu = backend.cpuIsa();
  assert.ok(LEVELS.includes(isa) && LEVELS.includes(cpu), `${isa}, ${cpu}`);
  const cap = process.env.ACSCONV_ISA;
  const expected = cap && LEVELS.indexOf(cap) < LEVELS.indexOf(cpu) ? cap : cpu;
  assert.equal(isa, expected);
});

test('ACSCONV_ISA=generic and avx2 take every kernel family below AVX-512, in a fresh process', () => {
  for (const level of ['generic', 'avx2']) {
    const r = child(level);
    assert.equal(r.status, 0, String(r.stderr));
    const got = JSON.parse(String(r.stdout)) as Record<string, string | boolean>;
    const want = LEVELS.indexOf(level) < LEVELS.indexOf(got.cpu as string) ? level : got.cpu;
    assert.equal(got.isa, want, level);
    assert.equal(got.gemm, want, `${level}: GEMM kernel`);
    assert.equal(got.ew, want, `${level}: elementwise kernel`);
    // The implicit-GEMM convolutions have AVX2 microkernels; below that, only the im2col path runs.
    assert.equal(got.fast, want !== 'generic', `${level}: implicit-GEMM path in use`);
    assert.equal(got.forceAvx512, false, `${level}: an AVX-512 GEMM kernel must not be selectable`);
  }
  const top = JSON.parse(String(child(undefined).stdout)) as Record<string, string | boolean>;
  assert.equal(top.isa, top.cpu, 'without ACSCONV_ISA: the best this CPU has');
});

test('an unknown ACSCONV_ISA is refused with the allowed values', () => {
  const r = child('avx512f');
  assert.notEqual(r.status, 0);
  assert.match(String(r.stderr), /ACSCONV_ISA must be one of avx512, avx2, generic.*got 'avx512f'/);
});
