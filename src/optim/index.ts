// Optimizers and learning-rate schedulers, exported from the package root as `optim`.
export { Optimizer, flattenOptimizerState, unflattenOptimizerState, type ParamGroup, type ParamsInput, type ParamState, type OptimizerStateDict, type GroupOptions } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { LRScheduler, StepLR, MultiStepLR, CosineAnnealingLR } from './scheduler.js';
