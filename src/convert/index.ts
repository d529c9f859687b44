/**
 * Module-tree converters (DESIGN §5): a 2D model → ACS, SoftACS/MeanACS, 2.5D or 3D (I3D). Each returns
 * a NEW model with the 2D model's state-dict keys; the input model is never mutated.
 */
import { UnsupportedError, ValueError } from '../util/errors.js';
import type { Module } from '../nn/module.js';
import { type Axis, type RuleContext, isContainer, ruleFor } from './rules.js';

export { RULES, GuardedLinear, inflate, type Axis, type Rule, type RuleContext, type Target } from './rules.js';
export { summarize, countParameters, type SummaryRow } from './summary.js';

function checkAxis(v: number | undefined, name: string): void {
  if (v !== undefined && v !== 2 && v !== 3 && v !== 4) throw new ValueError(`convert: ${name} must be 2, 3 or 4 (D, H, W of [N, C, D, H, W]), got ${v}`);
}

/** Converts a clone of `model` layer by layer with the rules table. */
export function convertModel<M extends Module>(model: M, opts: Omit<RuleContext, 'path'>): M {
  checkAxis(opts.axis, 'axis');
  checkAxis(opts.i3dRepeatAxis, 'i3dRepeatAxis');
  const root = model.clone();
  const convertOne = (m: Module, path: string): Module => {
    const rule = ruleFor(m);
    if (rule) return rule(m, { ...opts, path: path || '(root)' });
    if (isContainer(m)) {
      for (const [name, child] of [...m.namedChildren()]) {
        const next = convertOne(child, path ? `${path}.${name}` : name);
        if (next !== child) m.replaceChild(name, next);
      }
      return m;
    }
    throw new UnsupportedError(
      `convert (${opts.target}): no rule for layer '${path || '(root)'}' of type ${m.constructor.name}; ` +
        'add one to convert.RULES or replace the layer',
    );
  };
  return convertOne(root, '') as M;
}

/** ACS conversion (`ACSConverter`): Conv2d → ACSConv (weights kept), ConvTranspose2d → ACSConvTranspose. */
export function toACS<M extends Module>(model: M): M {
  return convertModel(model, { target: 'acs', mean: false, axis: 2 });
}

/** SoftACS (learned per-channel view weights, `soft_w_core` added) or, with `mean`, MeanACS. */
export function toSoftACS<M extends Module>(model: M, { mean = false }: { mean?: boolean } = {}): M {
  return convertModel(model, { target: 'softacs', mean, axis: 2 });
}

/** 2.5D (`Conv2_5dConverter`): k×k kernels become 1×k×k along `axis` (2 = D by default); weights unsqueezed. */
export function to2_5d<M extends Module>(model: M, { axis = 2 }: { axis?: Axis } = {}): M {
  return convertModel(model, { target: '2.5d', mean: false, axis });
}

/**
 * 3D (`Conv3dConverter`): k×k → k×k×k. With `i3dRepeatAxis` the 2D kernels are inflated (repeated along
 * that axis, divided by k); without it the Conv3d layers keep their fresh initialisation (the reference).
 */
export function to3d<M extends Module>(model: M, { i3dRepeatAxis }: { i3dRepeatAxis?: Axis } = {}): M {
  return convertModel(model, { target: '3d', mean: false, axis: 2, i3dRepeatAxis });
}
