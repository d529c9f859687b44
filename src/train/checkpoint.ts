import { existsSync } from 'node:fs';
import { FormatError } from '../util/errors.js';
import type { DType, Tensor } from '../tensor/tensor.js';
import type { Module } from '../nn/module.js';
import { readSafetensors, saveSafetensors } from '../io/safetensors.js';
import { flattenOptimizerState, unflattenOptimizerState, type Optimizer } from '../optim/optimizer.js';

/**
 * Saves model weights, optimizer state and a JSON-able `info` object in one safetensors file,
 * atomically: an interrupted save leaves the previous checkpoint intact.
 */
export function saveCheckpoint(path: string, model: Module, optimizer: Optimizer | null, info: Record<string, unknown>): void {
  const tensors = new Map<string, Tensor<DType>>();
  for (const [k, v] of model.stateDict()) tensors.set(`model.${k}`, v);
  let optJson = '';
  if (optimizer) {
    const flat = flattenOptimizerState(optimizer.stateDict());
    for (const [k, v] of flat.tensors) tensors.set(`optim.${k}`, v);
    optJson = flat.json;
  }
  saveSafetensors(path, tensors, { metadata: { info: JSON.stringify(info), optim: optJson } });
}

/** A checkpoint's parts, unloaded: the model's state dict, the optimizer's flattened state, and the info. */
export interface CheckpointContents {
  /** Weights under `model.` with the prefix removed; a bare state dict (no `model.` keys) as it is. */
  model: Map<string, Tensor<DType>>;
  optim: Map<string, Tensor<DType>>;
  /** The optimizer state's JSON part, or undefined when the file holds none. */
  optimJson: string | undefined;
  info: Record<string, unknown>;
}

/** Reads what saveCheckpoint wrote (or a bare state dict) without loading it into anything. */
export function readCheckpoint(path: string, fn = 'readCheckpoint'): CheckpointContents {
  if (!existsSync(path)) throw new FormatError(`${fn}: file not found: ${path}`);
  const f = readSafetensors(path);
  const prefixed = [...f.tensors.keys()].some((k) => k.startsWith('model.'));
  const model = new Map<string, Tensor<DType>>();
  const optim = new Map<string, Tensor<DType>>();
  for (const [k, v] of f.tensors) {
    if (!prefixed) model.set(k, v);
    else if (k.startsWith('model.')) model.set(k.slice(6), v);
    else if (k.startsWith('optim.')) optim.set(k.slice(6), v);
  }
  try {
    return { model, optim, optimJson: f.metadata.optim || undefined, info: JSON.parse(f.metadata.info ?? '{}') as Record<string, unknown> };
  } catch (e) {
    throw new FormatError(`${fn}: ${path}: corrupt metadata (${(e as Error).message})`);
  }
}

/** Restores what saveCheckpoint wrote (or a bare state dict; strict about model keys) and returns its `info`. */
export function loadCheckpoint(path: string, model: Module, optimizer: Optimizer | null): Record<string, unknown> {
  const c = readCheckpoint(path, 'loadCheckpoint');
  model.loadStateDict(c.model);
  if (optimizer) {
    if (!c.optimJson) throw new FormatError(`loadCheckpoint: ${path} holds no optimizer state`);
    optimizer.loadStateDict(unflattenOptimizerState(c.optim, c.optimJson));
  }
  return c.info;
}
