import { ISA_LEVELS, native } from './binding.js';

/** An instruction-set level the native kernels are built for. */
export type Isa = (typeof ISA_LEVELS)[number];

/**
 * The instruction set the native kernels use: the best this CPU has (`cpuIsa()`), or a lower one named by
 * the environment variable ACSCONV_ISA (avx2 or generic), read when the addon loads. Lowering it runs the
 * code paths of CPUs without AVX-512 (or AVX2) on this one: the test suite does so.
 */
export function isa(): Isa {
  return native.isa() as Isa;
}

/** The highest level this CPU supports: 'avx512' (F, VL, DQ, BW), 'avx2' (with FMA) or 'generic'. */
export function cpuIsa(): Isa {
  return native.cpuIsa() as Isa;
}
