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

/** Restores what saveCheckpoint wrote (strict about model keys) and returns its `info`. */
export function loadCheckpoint(path: string, model: Module, optimizer: Optimizer | null): Record<string, unknown> {
  if (!existsSync(path)) throw new FormatError(`loadCheckpoint: file not found: ${path}`);
  const f = readSafetensors(path);
  const modelSd = new Map<string, Tensor<DType>>();
  const optSd = new Map<string, Tensor<DType>>();
  for (const [k, v] of f.tensors) {
    if (k.startsWith('model.')) modelSd.set(k.slice(6), v);
    else if (k.startsWith('optim.')) optSd.set(k.slice(6), v);
  }
  model.loadStateDict(modelSd);
  if (optimizer) {
    if (!f.metadata.optim) throw new FormatError(`loadCheckpoint: ${path} holds no optimizer state`);
    optimizer.loadStateDict(unflattenOptimizerState(optSd, f.metadata.optim));
  }
  try {
    return JSON.parse(f.metadata.info ?? '{}') as Record<string, unknown>;
  } catch (e) {
    throw new FormatError(`loadCheckpoint: ${path}: corrupt metadata (${(e as Error).message})`);
  }
}
