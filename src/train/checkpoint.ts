import { existsSync } from 'node:fs';
import { FormatError } from '../util/errors.js';
import type { DType, Tensor } from '../tensor/tensor.js';
import type { Module } from '../nn/module.js';
import { readSafetensors, saveSafetensors } from '../io/safetensors.js';

/** What an optimizer must offer to be checkpointed (optim's SGD/Adam/AdamW do). */
export interface StatefulOptimizer {
  stateDict(): { state: Map<string, Tensor<DType>>; meta: Record<string, unknown> };
  loadStateDict(sd: { state: Map<string, Tensor<DType>>; meta: Record<string, unknown> }): void;
}

/**
 * Saves model weights, optimizer state and a JSON-able `info` object in one safetensors file,
 * atomically: an interrupted save leaves the previous checkpoint intact.
 */
export function saveCheckpoint(path: string, model: Module, optimizer: StatefulOptimizer | null, info: Record<string, unknown>): void {
  const tensors = new Map<string, Tensor<DType>>();
  for (const [k, v] of model.stateDict()) tensors.set(`model.${k}`, v);
  let optMeta: Record<string, unknown> = {};
  if (optimizer) {
    const sd = optimizer.stateDict();
    for (const [k, v] of sd.state) tensors.set(`optim.${k}`, v);
    optMeta = sd.meta;
  }
  saveSafetensors(path, tensors, { metadata: { info: JSON.stringify(info), optim: JSON.stringify(optMeta) } });
}

/** Restores what saveCheckpoint wrote (strict about model keys) and returns its `info`. */
export function loadCheckpoint(path: string, model: Module, optimizer: StatefulOptimizer | null): Record<string, unknown> {
  if (!existsSync(path)) throw new FormatError(`loadCheckpoint: file not found: ${path}`);
  const f = readSafetensors(path);
  const modelSd = new Map<string, Tensor<DType>>();
  const optSd = new Map<string, Tensor<DType>>();
  for (const [k, v] of f.tensors) {
    if (k.startsWith('model.')) modelSd.set(k.slice(6), v);
    else if (k.startsWith('optim.')) optSd.set(k.slice(6), v);
  }
  model.loadStateDict(modelSd);
  let info: Record<string, unknown>;
  try {
    info = JSON.parse(f.metadata.info ?? '{}') as Record<string, unknown>;
    if (optimizer) optimizer.loadStateDict({ state: optSd, meta: JSON.parse(f.metadata.optim ?? '{}') as Record<string, unknown> });
  } catch (e) {
    if (e instanceof SyntaxError) throw new FormatError(`loadCheckpoint: ${path}: corrupt metadata (${e.message})`);
    throw e;
  }
  return info;
}
