import { allocF32Uninit, beginGradPool, bornInGradPool, endGradPool, recycleF32 } from '../backend/alloc.js';
import { addInPlace, binaryOp } from '../backend/elementwise.js';
import { ShapeError, ValueError } from '../util/errors.js';
import { sameShape, shapeStr } from '../util/shape.js';
import { setBackwardImpl, Tensor } from '../tensor/tensor.js';
import { noGrad } from './grad-mode.js';

/**
 * acc + g. Backward rules may hand one gradient tensor to several inputs, so a sum is written into a
 * fresh array the first time; `owned` records those arrays, which nothing else can see, so later sums
 * into the same accumulator (a tensor with many consumers, like a residual stream) add in place.
 */
function addInto(acc: Tensor | undefined, g: Tensor, owned: Set<Float32Array>, free?: (a: Float32Array) => void): Tensor {
  if (!acc) return g;
  const a = acc.data as Float32Array;
  if (owned.has(a)) {
    addInPlace(a, g.data as Float32Array);
    free?.(g.data as Float32Array);
    return acc;
  }
  const out = allocF32Uninit(a.length);
  binaryOp('add', 'same', a, g.data as Float32Array, out);
  owned.add(out);
  free?.(a);
  free?.(g.data as Float32Array);
  return new Tensor(out, acc.shape, 'float32');
}

/** Nodes reachable from `root` in reverse topological order (root first). Iterative: deep 3D nets overflow a recursive walk. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: Array<[Tensor, number]> = [[root, 0]];
  visited.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.gradFn ? t.gradFn.inputs : [];
    if (i < inputs.length) {
      top[1]++;
      const child = inputs[i];
      if (child.requiresGrad && !visited.has(child)) {
        visited.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order.reverse();
}

function runBackward(root: Tensor, grad: Tensor | undefined, retainGraph: boolean): void {
  if (!root.requiresGrad) {
    throw new ValueError('backward: tensor does not require grad (no input of the computation has requiresGrad)');
  }
  let seed: Tensor;
  if (grad === undefined) {
    if (root.size !== 1) {
      throw new ShapeError(
        `backward: a gradient is needed for a non-scalar output of shape ${shapeStr(root.shape)}; pass backward(grad)`,
      );
    }
    seed = new Tensor(Float32Array.of(1), root.shape, 'float32');
  } else {
    if (!sameShape(grad.shape, root.shape)) {
      throw new ShapeError(`backward: grad shape ${shapeStr(grad.shape)} differs from output shape ${shapeStr(root.shape)}`);
    }
    seed = grad;
  }
  const order = topoOrder(root);
  const grads = new Map<Tensor, Tensor>([[root, seed]]);
  const owned = new Set<Float32Array>();
  // Gradient buffers this pass may reuse once consumed (alloc.ts's pool): allocated during the pass, made
  // by a built-in rule or by a sum here, and given to one input only. The caller's seed, a leaf's .grad,
  // anything a user's rule (`custom`) returned or received, and buffers a rule passed through or shared
  // between inputs are never reused.
  const trusted = new Set<ArrayBufferLike>();
  const shared = new Set<ArrayBufferLike>();
  const free = (a: Float32Array): void => {
    if (trusted.delete(a.buffer) && !shared.has(a.buffer)) recycleF32(a);
  };
  const trust = (a: Float32Array): void => {
    if (bornInGradPool(a)) trusted.add(a.buffer);
  };
  beginGradPool();
  try {
    noGrad(() => {
      for (const t of order) {
        const g = grads.get(t);
        grads.delete(t);
        if (!g) continue;
        const gd = g.data as Float32Array;
        // Once handed to a rule (which may pass it on to several inputs), a sum is no longer private.
        const mine = owned.delete(gd);
        const node = t.gradFn;
        if (!node) {
          if (t.grad) {
            // PyTorch's AccumulateGrad: add into the existing gradient in place (whoever holds t.grad
            // sees the sum), which costs no allocation and one pass less than a fresh sum.
            if (!sameShape(t.grad.shape, t.shape)) {
              throw new ShapeError(`backward: a leaf's .grad has shape ${shapeStr(t.grad.shape)} but the tensor has shape ${shapeStr(t.shape)}; set .grad = null first`);
            }
            addInPlace(t.grad.data as Float32Array, gd);
            free(gd);
          } else if (mine || (trusted.has(gd.buffer) && !shared.has(gd.buffer))) {
            // A private buffer (a sum made here, or a rule's fresh output given to this input alone)
            // becomes the leaf's gradient as it is; it leaves the pool's reach.
            trusted.delete(gd.buffer);
            t.grad = g;
          } else {
            // Possibly shared (the caller's seed, a buffer a rule passed through or gave to several
            // inputs): the leaf gets its own copy.
            t.grad = g.clone();
            free(gd);
          }
          continue;
        }
        if (!node.backward) {
          throw new ValueError(
            `backward: the graph through ${node.name} was already freed; call backward({ retainGraph: true }) the first time`,
          );
        }
        if (node.custom) trusted.delete(gd.buffer); // a user's rule may keep what it receives
        const inGrads = node.backward(g);
        // A buffer handed to several inputs is never reused (decided before any sum can free it).
        const seen = new Set<ArrayBufferLike>();
        node.inputs.forEach((inp, k) => {
          const ig = inGrads[k];
          if (!inp.requiresGrad || !ig) return;
          const b = (ig.data as Float32Array).buffer;
          if (seen.has(b)) shared.add(b);
          seen.add(b);
        });
        let passed = false;
        node.inputs.forEach((inp, k) => {
          const ig = inGrads[k];
          if (!inp.requiresGrad || !ig) return;
          if (!sameShape(ig.shape, inp.shape)) {
            throw new ShapeError(
              `backward: ${node.name} produced a gradient of shape ${shapeStr(ig.shape)} for an input of shape ${shapeStr(inp.shape)}`,
            );
          }
          const b = (ig.data as Float32Array).buffer;
          if (b === gd.buffer) passed = true;
          if (!node.custom && b !== gd.buffer) trust(ig.data as Float32Array);
          const before = grads.get(inp);
          const sum = addInto(before, ig, owned, free);
          if (sum !== ig && sum !== before) trust(sum.data as Float32Array);
          grads.set(inp, sum);
        });
        if (!passed) free(gd);
        if (!retainGraph) {
          // Free the closure (and the activations it saved) and the edges; the node stays so a second
          // backward through it reports the freed graph instead of treating `t` as a leaf.
          node.backward = null;
          node.inputs = [];
        }
      }
    });
  } finally {
    endGradPool();
  }
}

setBackwardImpl(runBackward);

/** Forces the module to load (its import installs `Tensor.backward`). */
export const backwardInstalled = true;
