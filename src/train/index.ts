export { saveCheckpoint, loadCheckpoint } from './checkpoint.js';
export { SegmentationMeter } from './metrics.js';
export { slidingWindowInference, type SlidingWindowOptions } from './sliding-window.js';
export { loadSegmenter, segmentVolume, type Segmenter, type SegmentOptions, type Normalization } from './infer.js';
