export { isGradEnabled, noGrad, enableGrad } from './grad-mode.js';
export { recordCustom as record, needsGrad } from './record.js';
export { backwardInstalled } from './backward.js';
