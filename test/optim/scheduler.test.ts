import { test } from 'node:test';
import assert from 'node:assert/strict';
import { optim, tensor, ValueError } from '../../src/index.js';
import { assertClose, loadFixture } from '../helpers.js';

interface Meta {
  scheduler: 'StepLR' | 'MultiStepLR' | 'CosineAnnealingLR';
  options: Record<string, unknown>;
  baseLrs: number[];
  lrs: number[][];
}

function setup(meta: Meta): { opt: optim.SGD; sched: optim.LRScheduler } {
  const opt = new optim.SGD(
    [{ params: [tensor([0], [1], { requiresGrad: true })] }, { params: [tensor([0], [1], { requiresGrad: true })], lr: meta.baseLrs[1] }],
    { lr: meta.baseLrs[0] },
  );
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const o = meta.options as any;
  const sched =
    meta.scheduler === 'StepLR' ? new optim.StepLR(opt, o) : meta.scheduler === 'MultiStepLR' ? new optim.MultiStepLR(opt, o) : new optim.CosineAnnealingLR(opt, o);
  return { opt, sched };
}

for (const name of ['step_lr', 'step_lr_default', 'multistep_lr', 'cosine_lr', 'cosine_lr_default']) {
  test(`scheduler fixture ${name}: lr sequence matches PyTorch`, () => {
    const meta = loadFixture('optim', name).params as unknown as Meta;
    const { opt, sched } = setup(meta);
    meta.lrs.forEach((expected, epoch) => {
      if (epoch > 0) {
        opt.step();
        sched.step();
      }
      assertClose(sched.getLastLr(), expected, { atol: 1e-12, rtol: 1e-9, msg: `${name} epoch ${epoch}` });
      assertClose(opt.paramGroups.map((g) => g.options.lr), expected, { atol: 1e-12, rtol: 1e-9 });
    });
  });

  test(`scheduler ${name}: stateDict resume continues the sequence`, () => {
    const meta = loadFixture('optim', name).params as unknown as Meta;
    const a = setup(meta);
    for (let i = 0; i < 4; i++) a.sched.step();
    const optSd = a.opt.stateDict();
    const schedSd = a.sched.stateDict();
    const b = setup(meta);
    b.opt.loadStateDict(optSd);
    b.sched.loadStateDict(schedSd);
    for (let e = 5; e < meta.lrs.length; e++) {
      b.sched.step();
      assertClose(b.sched.getLastLr(), meta.lrs[e], { atol: 1e-12, rtol: 1e-9, msg: `${name} resumed epoch ${e}` });
    }
  });
}

test('schedulers reject bad options', () => {
  const opt = new optim.SGD([tensor([0], [1], { requiresGrad: true })], { lr: 0.1 });
  assert.throws(() => new optim.StepLR(opt, { stepSize: 0 }), (e: Error) => e instanceof ValueError && /stepSize/.test(e.message));
  assert.throws(() => new optim.MultiStepLR(opt, { milestones: [1.5] }), /milestones/);
  assert.throws(() => new optim.CosineAnnealingLR(opt, { tMax: -2 }), /tMax/);
  assert.throws(() => new optim.StepLR(opt, { stepSize: 2, gamma: Number.NaN }), /gamma/);
});
