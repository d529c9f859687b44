import { dropCarriedBuffers } from '../backend/alloc.js';

let enabled = true;

/** Whether ops currently record the graph. */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Runs `fn` without recording the graph (as `torch.no_grad()`); restores the previous mode after. It also
 * lets go of the gradient buffers the last backward pass carried over for the next training step
 * (src/backend/alloc.ts): inference allocates other sizes, and they would only sit in memory.
 */
export function noGrad<T>(fn: () => T): T {
  dropCarriedBuffers();
  const prev = enabled;
  enabled = false;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/** Runs `fn` with graph recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = true;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}
