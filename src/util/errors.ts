/**
 * One error class per kind of failure. Messages name the operation, the argument, what was expected
 * and what was given, e.g. `conv3d: input must be rank 5 [N, C, D, H, W], got rank 4 (shape 1,16,16,16)`.
 */

/** A tensor or argument has the wrong rank, size or layout. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** A tensor has the wrong element type (float32 where int32 labels are expected, or the reverse). */
export class DTypeError extends Error {
  override name = 'DTypeError';
}

/** A file is missing, truncated, corrupt or not in the expected format. */
export class FormatError extends Error {
  override name = 'FormatError';
}

/** A layer, ONNX op or option combination that this library cannot handle. */
export class UnsupportedError extends Error {
  override name = 'UnsupportedError';
}

/** An argument value is out of range (a non-positive stride, an unknown option). */
export class ValueError extends Error {
  override name = 'ValueError';
}
