/**
 * acsconv: ACS convolutions for 3D medical images.
 * `import { tensor, F, nn, optim, convert, models, io, data, train } from 'acsconv'`
 */
export * from './tensor/index.js';
export * from './autograd/index.js';
export { setNumThreads, getNumThreads } from './backend/threads.js';
export { releaseFreeMemory } from './backend/alloc.js';
export * as backend from './backend/index.js';
export * from './util/errors.js';
export * as F from './ops/index.js';
export * as nn from './nn/index.js';
export * as io from './io/index.js';
export * as convert from './convert/index.js';
export * as models from './models/index.js';
export * as optim from './optim/index.js';
export * as data from './data/index.js';
export * as train from './train/index.js';
