import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backend, getNumThreads, setNumThreads } from '../../src/index.js';

// The pool hands each job's chunks to spinning or sleeping workers; a chunk run twice or skipped would
// show as a wrong sum. Lengths from below one chunk (inline) to many, with more threads than chunks.
test('thread pool: every chunk of every job runs exactly once, for any thread count', () => {
  const prev = getNumThreads();
  try {
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const threads of [2, 3, 5, 8, 2]) {
      setNumThreads(threads);
      for (let it = 0; it < 60; it++) {
        const n = 1 + Math.floor(rnd() * 5 * 65536);
        const a = new Float32Array(n).fill(1);
        const b = new Float32Array(n).fill(2);
        backend.addInPlace(a, b);
        backend.addInPlace(a, b);
        const bad = a.findIndex((v) => v !== 5);
        assert.equal(bad, -1, `threads ${threads}, length ${n}: element ${bad} is ${a[bad]}`);
      }
    }
  } finally {
    setNumThreads(prev);
  }
});
