let enabled = true;

/** Whether ops currently record the graph. */
export function isGradEnabled(): boolean {
  return enabled;
}

/** Runs `fn` without recording the graph (as `torch.no_grad()`); restores the previous mode after. */
export function noGrad<T>(fn: () => T): T {
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
