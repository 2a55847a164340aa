import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeTinyIdx } from '../../test-support/tiny-data.js';
import { AUTO_REASONS, BACKEND_CHOICES, type BackendName } from '@darl/tensor-backend';
import { runCli } from './program.js';
import { finetuneRun } from '../jobs/finetune-run.js';
import { generationQualityRun } from '../jobs/generation-quality-run.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (s) => void (out += s), stderr: (s) => void (err += s) });
  return { code, out, err };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'darl-cli-'));
const tiny = ['--set', 'model.patchSize=2', '--set', 'model.backbone={"preset":"tiny","width":16,"depth":2,"heads":2}'];
const fast = ['--set', 'train.steps=6', '--set', 'train.batchSize=8', '--set', 'train.warmupSteps=1', '--set', 'train.evalImages=8'];

describe('darl CLI: usage', () => {
  it('prints help and exits 2 without a command', async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.out + r.err).toMatch(/pretrain.*\n[\s\S]*probe[\s\S]*sample[\s\S]*info/);
  });

  it.each(['pretrain', 'probe', 'finetune', 'sample', 'info'])('%s --help exits 0 and lists its options', async (cmd) => {
    const r = await cli(cmd, '--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Usage: darl ${cmd}`);
    expect(r.out).toContain('--backend');
  });

  it('rejects an unknown backend with exit code 2', async () => {
    const r = await cli('info', '--backend', 'webgl');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`Allowed choices are ${BACKEND_CHOICES.join(', ')}`);
    expect(BACKEND_CHOICES).toContain('webgpu');
  });

  it('info --json reports the chosen backend and why node is unavailable', async () => {
    const r = await cli('info', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { chosen: { name: string; why: string }; backends: { name: string; available: boolean; reason?: string }[]; versions: Record<string, string> };
    expect(['native', 'wasm', 'cpu']).toContain(j.chosen.name);
    expect(j.chosen.why).toMatch(/fastest backend that initialises/);
    // The reason names why the chosen backend ranks where it does (BackendInfo.reason, from AUTO_REASONS).
    expect(j.chosen.why).toContain(`${j.chosen.name}: ${AUTO_REASONS[j.chosen.name as BackendName]}`);
    const node = j.backends.find((b) => b.name === 'node')!;
    expect(node.available).toBe(false);
    expect(node.reason).toContain('@tensorflow/tfjs-node');
    expect(j.backends.find((b) => b.name === 'cpu')!.available).toBe(true);
    expect(j.versions['@tensorflow/tfjs-core']).toMatch(/^4\./);
  });
});

describe('darl CLI: bad input gives a clear message and exit code 1', () => {
  it('unknown config key → closest valid name', async () => {
    const r = await cli('pretrain', '--backend', 'cpu', '--set', 'train.stpes=5', '--out', join(tmp(), 'r'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('Unknown key "train.stpes". Did you mean "steps"?');
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('a patch size that does not divide the image: one sentence, exit 1, before any data is read or directory made', async () => {
    const out = join(tmp(), 'r');
    // The data folder does not exist: had it been read, the error would name it instead.
    const r = await cli('pretrain', '--backend', 'cpu', '--set', 'model.patchSize=5', '--data', 'cifar10:/nonexistent/cifar', '--out', out);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'darl: error: Invalid --set: "model.patchSize": patchSize 5 does not divide the 32×32 image; choose one that does (1, 2, 4, 8, 16, 32) (got 5).\n',
    );
    expect(existsSync(out)).toBe(false);
    const m = await cli('pretrain', '--backend', 'cpu', '--set', 'model.patchSize=5', '--out', out);
    expect(m.err).toMatch(/^darl: error: Invalid --set: "model.patchSize": patchSize 5 does not divide the 28×28 image; [^\n]*\n$/);
  });

  it('a transformer decoder whose width the heads do not divide is refused with its dotted key', async () => {
    const out = join(tmp(), 'r');
    const r = await cli(
      'pretrain', '--backend', 'cpu', '--set', 'model.objective=diffusion', '--set', 'model.diffusion.decoder={"kind":"transformer","width":30,"heads":4}', '--out', out,
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^darl: error: Invalid --set: "model.diffusion.decoder.heads": decoder width 30 must be divisible by heads 4 [^\n]*\(got 4\)\.\n$/);
    expect(existsSync(out)).toBe(false);
  });

  it('keys the lower packages own are reachable and checked by them: ropeBase, cosine-offset, snrClip', async () => {
    const guard = ['--set', 'train.steps=1', '--no-report']; // should a check ever pass, the run stays one step long
    const bad = await cli('pretrain', '--backend', 'cpu', '--set', 'model.backbone.ropeBase=0.5', ...guard, '--out', join(tmp(), 'r'));
    expect(bad.err).toContain('"model.backbone.ropeBase" is 0.5; it must be > 1.');
    const typo = await cli('pretrain', '--backend', 'cpu', '--set', 'model.position=rope-2d', ...guard, '--out', join(tmp(), 'r'));
    expect(typo.err).toContain('Did you mean "rope2d"?');
    const offset = await cli(
      'pretrain', '--backend', 'cpu', '--set', 'model.objective=diffusion',
      '--set', 'model.diffusion.noiseLevels={"kind":"schedule","schedule":"cosine-offset","cosineOffset":{"s":-1}}', ...guard, '--out', join(tmp(), 'r'),
    );
    expect(offset.code).toBe(1);
    expect(offset.err).toContain('"model.diffusion.noiseLevels.cosineOffset"');
  });

  it('with --json a failing command prints one JSON error object on stdout', async () => {
    const r = await cli('pretrain', '--backend', 'cpu', '--set', 'model.patchSize=5', '--json', '--out', join(tmp(), 'r'));
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out) as { error: { kind: string; name: string; message: string; exitCode: number } };
    expect(j.error).toEqual({ kind: 'user', name: 'ConfigError', message: expect.stringContaining('"model.patchSize"') as unknown as string, exitCode: 1 });
    expect(r.out.trim().split('\n')).toHaveLength(1);
  });

  it('wrong type and out-of-range values are explained', async () => {
    const r = await cli('pretrain', '--backend', 'cpu', '--set', 'train.steps=many', '--set', 'train.lr=-1', '--out', join(tmp(), 'r'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('"train.steps" must be number, got "many"');
    expect(r.err).toContain('"train.lr" is -1; it must be > 0');
  });

  it('a config file that is not JSON names the file', async () => {
    const file = join(tmp(), 'bad.json');
    writeFileSync(file, '{ "train": { steps: 3 } }');
    const r = await cli('pretrain', '--backend', 'cpu', '--config', file);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`config file ${file}`);
    expect(r.err).toContain('is not valid JSON');
  });

  it('a missing data folder names the path', async () => {
    const out = join(tmp(), 'r');
    const r = await cli('pretrain', '--backend', 'cpu', '--data', 'idx:/nonexistent/fashion', '--out', out);
    expect(r.code).toBe(1);
    expect(r.err).toContain('/nonexistent/fashion');
    expect(existsSync(join(out, 'config.json'))).toBe(false);
  });

  it('an unknown data kind is explained', async () => {
    const r = await cli('pretrain', '--backend', 'cpu', '--data', 'imagenet:/x', '--out', join(tmp(), 'r'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/imagenet/);
  });

  it('sample on a directory that is not a run', async () => {
    const r = await cli('sample', '--backend', 'cpu', '--run', tmp());
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/is not a darl run directory: it has no config\.json/);
  });

  it('the node backend is missing: clear message, exit 1', async () => {
    const r = await cli('info', '--backend', 'node');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/darl: error: Backend "node" needs the package @tensorflow\/tfjs-node/);
  });
});

describe('darl CLI: a tiny run end to end', () => {
  let data = '';
  let run = '';
  beforeAll(async () => {
    data = `idx:${writeTinyIdx(64, 3)}`;
    run = join(tmp(), 'run');
    const r = await cli('pretrain', '--backend', 'cpu', '--data', data, ...tiny, ...fast, '--set', 'train.checkpointEvery=3', '--stop-at', '3', '--out', run, '--progress', 'none', '--no-report');
    expect(r.err).toBe(`darl: backend cpu; run directory ${run}\ndarl: stopped at step 3: ${r.err.split('stopped at step 3: ')[1]}`);
    expect(r.code).toBe(0);
  });

  it('refuses --resume together with config changes', async () => {
    const r = await cli('pretrain', '--backend', 'cpu', '--resume', run, '--set', 'train.steps=9');
    expect(r.code).toBe(1);
    expect(r.err).toContain('--resume continues a run with its own saved config.json');
  });

  it('resumes to the end and prints one JSON object', async () => {
    const r = await cli('pretrain', '--backend', 'cpu', '--resume', run, '--progress', 'lines', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { step: number; finished: boolean; finalLoss: number; report: string };
    expect(j.step).toBe(6);
    expect(j.finished).toBe(true);
    expect(Number.isFinite(j.finalLoss)).toBe(true);
    expect(existsSync(j.report)).toBe(true);
    expect(r.err).toMatch(/step 6\/6 {2}loss /);
    const again = await cli('pretrain', '--backend', 'cpu', '--resume', run);
    expect(again.code).toBe(1);
    expect(again.err).toContain('already finished (step 6 of 6); there is nothing to resume');
  });

  it('samples and completes prefixes into PNG files', async () => {
    const r = await cli('sample', '--backend', 'cpu', '--run', run, '--n', '4', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { file: string; images: number };
    expect(readFileSync(j.file).subarray(1, 4).toString()).toBe('PNG');
    const c = await cli('sample', '--backend', 'cpu', '--run', run, '--n', '2', '--prefix', '8', '--json');
    expect(c.code).toBe(0);
    expect((JSON.parse(c.out) as { prefix: number }).prefix).toBe(8);
    const bad = await cli('sample', '--backend', 'cpu', '--run', run, '--prefix', '99');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('--prefix 99 exceeds the 16 patches');
  });

  it('probes with the raw-pixel baseline and writes probe.json', async () => {
    const r = await cli('probe', '--backend', 'cpu', '--run', run, '--layers', '0,2', '--pooling', 'mean', '--attention', 'causal', '--probe-steps', '30', '--knn', '--attentive', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      sweep: { layer: number }[];
      rawPixels: { testAccuracy: number };
      knn: { testAccuracy: number };
      attentive: { layer: number; testAccuracy: number };
      best: { layer: number; testAccuracy: number };
    };
    expect(j.sweep.map((c) => c.layer)).toEqual([0, 2]);
    // The synthetic classes are linearly separable from pixels.
    expect(j.rawPixels.testAccuracy).toBeGreaterThan(0.9);
    expect(j.knn.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(j.attentive.layer).toBe(j.best.layer);
    expect(j.attentive.testAccuracy).toBeGreaterThanOrEqual(0);
    // The random-init control is reported on every cell and for kNN and the attentive probe.
    const k = JSON.parse(r.out) as { sweep: { control?: { testAccuracy: number } }[]; randomInit: { layer: number }; solver: string; knn: { randomInitTestAccuracy: number; pixelsTestAccuracy: number }; attentive: { randomInitTestAccuracy: number } };
    expect(k.sweep.every((c) => c.control !== undefined)).toBe(true);
    expect([0, 2]).toContain(k.randomInit.layer);
    expect(k.solver).toBe('lbfgs');
    expect(k.knn.pixelsTestAccuracy).toBeGreaterThan(0.9);
    expect(k.knn.randomInitTestAccuracy).toBeGreaterThanOrEqual(0);
    expect(k.attentive.randomInitTestAccuracy).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(readFileSync(join(run, 'probe.json'), 'utf8'))).toMatchObject({ dataset: data });
    const bad = await cli('probe', '--backend', 'cpu', '--run', run, '--layers', '7');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('layer 7 does not exist; layers are 0 (input tokens) to 2');
  });

  it('fine-tunes and writes finetune.json', async () => {
    const r = await cli('finetune', '--backend', 'cpu', '--run', run, '--epochs', '2', '--batch-size', '16', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { epochs: { epoch: number; testAccuracy: number }[]; final: { testAccuracy: number } };
    expect(j.epochs).toHaveLength(2);
    expect(j.final.testAccuracy).toBe(j.epochs[1]!.testAccuracy);
    expect(existsSync(join(run, 'finetune.json'))).toBe(true);
    const bad = await cli('finetune', '--backend', 'cpu', '--run', run, '--layer-decay', '1.5');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('--layer-decay must be in (0, 1], got 1.5');
  });

  it('measures generation quality of completions with a classifier trained on the data and shows it in the report', async () => {
    const { json, report } = await generationQualityRun({ run, count: 8, classifier: { epochs: 3 } });
    const c = json.completions;
    expect(c.count).toBe(8);
    expect(json.classifier.trainImages).toBe(64);
    expect(c.prefixPatches).toBeGreaterThan(0);
    expect(c.labelAgreement).toBeGreaterThanOrEqual(0);
    expect(c.labelAgreement).toBeLessThanOrEqual(1);
    expect(c.classShares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(c.frechet).toBeGreaterThanOrEqual(0);
    expect(c.heldOut.frechetRealVsReal).toBeGreaterThanOrEqual(0);
    expect(json.unconditional).toBeUndefined(); // an MSE head has exactly one unconditional sample
    expect(JSON.parse(readFileSync(join(run, 'generation.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(json)));
    expect(readFileSync(report, 'utf8')).toContain('Generation quality');
    // The tiny test split has 32 images: 3 × 11 do not fit.
    await expect(generationQualityRun({ run, count: 11 })).rejects.toThrow(/needs 33 .*Lower the count to at most 10/);
  });

  it('compares pretrained with from-scratch fine-tuning over label fractions, each setting from fresh weights', async () => {
    const config = { epochs: 1, batchSize: 8, seed: 3, testEvery: 1 };
    const both = await finetuneRun({ run, config, fromScratch: true, settings: [{ labelFraction: 0.5 }, { labelFraction: 1, config: { epochs: 2 } }] });
    const [half, all] = both.json.comparisons;
    expect(half!.trainSize).toBe(Math.round(0.5 * all!.trainSize));
    expect(all!.config.epochs).toBe(2);
    expect(all!.pretrained.epochs).toHaveLength(2);
    expect(half!.fromScratch!.epochs).toHaveLength(1);
    // The second setting starts from the run's weights, not from the first setting's fine-tuned ones: alone, as the
    // first (and only) setting, it gives the same numbers.
    const alone = await finetuneRun({ run, config, settings: [{ labelFraction: 1, config: { epochs: 2 } }] });
    expect(alone.json.comparisons[0]!.pretrained.epochs.map((e) => e.trainLoss)).toEqual(all!.pretrained.epochs.map((e) => e.trainLoss));
    expect(alone.json.comparisons[0]!.fromScratch).toBeUndefined();
    // The control starts elsewhere: its first-epoch loss differs from the pretrained one.
    expect(all!.fromScratch!.epochs[0]!.trainLoss).not.toBe(all!.pretrained.epochs[0]!.trainLoss);
    expect(JSON.parse(readFileSync(join(run, 'finetune.json'), 'utf8')).comparisons).toHaveLength(1);
    await expect(finetuneRun({ run, settings: [{ labelFraction: 0 }] })).rejects.toThrow(/label fraction is 0; it must be in \(0, 1\]/);
    // A batch size too large for a later setting fails before the first setting fine-tunes (finetune.json untouched).
    const before = readFileSync(join(run, 'finetune.json'), 'utf8');
    await expect(finetuneRun({ run, config: { batchSize: 16, epochs: 1 }, settings: [{ labelFraction: 1 }, { labelFraction: 0.1 }] })).rejects.toThrow(/batch size 16 is larger than the 6 training images .* at label fraction 0.1/);
    expect(readFileSync(join(run, 'finetune.json'), 'utf8')).toBe(before);
  });
});

describe('darl CLI: planning a run without writing anything', () => {
  let data = '';
  beforeAll(() => {
    data = `idx:${writeTinyIdx(64, 3)}`;
  });

  it('--print-config prints the resolved config (sizes, permutation, image from the data) and creates nothing', async () => {
    const out = join(tmp(), 'run');
    const r = await cli('pretrain', '--data', data, ...tiny, '--set', 'model.patchOrder={"kind":"random","seed":3}', '--out', out, '--print-config');
    expect(r.code, r.err).toBe(0);
    const config = JSON.parse(r.out) as { model: { image: { height: number }; backbone: { width: number; depth: number }; patchOrder: { permutation: number[] } } };
    expect(config.model.backbone).toMatchObject({ width: 16, depth: 2 });
    expect(config.model.image.height).toBe(8);
    const perm = config.model.patchOrder.permutation;
    expect([...perm].sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(perm).not.toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(existsSync(out)).toBe(false);
  });

  it('--print-config accepts a custom patch order over data whose image shape only the data knows (idx:)', async () => {
    // The config is resolved once, against the data's real 8×8 image: 16 patches of 2×2, so a permutation of 16 fits.
    const permutation = Array.from({ length: 16 }, (_, i) => 15 - i);
    const order = `model.patchOrder=${JSON.stringify({ kind: 'custom', permutation })}`;
    const r = await cli('pretrain', '--data', data, ...tiny, '--set', order, '--out', join(tmp(), 'run'), '--print-config');
    expect(r.code, r.err).toBe(0);
    const config = JSON.parse(r.out) as { model: { patchOrder: { kind: string; permutation: number[] } } };
    expect(config.model.patchOrder).toEqual({ kind: 'custom', permutation });
  });

  it('--dry-run checks the model against the data, reports its size and creates nothing', async () => {
    const out = join(tmp(), 'run');
    const r = await cli('pretrain', '--data', data, ...tiny, ...fast, '--out', out, '--dry-run', '--json', '--backend', 'cpu');
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(r.out) as { dryRun: boolean; images: number; parameters: number; out: string };
    expect(summary).toMatchObject({ dryRun: true, images: 64, out });
    expect(summary.parameters).toBeGreaterThan(0);
    expect(existsSync(out)).toBe(false);
  });

  it('--dry-run refuses a batch the data cannot fill, with exit 1 and nothing written', async () => {
    const out = join(tmp(), 'run');
    const r = await cli('pretrain', '--data', data, ...tiny, '--set', 'train.batchSize=128', '--out', out, '--dry-run', '--backend', 'cpu');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/fewer than one batch/);
    expect(r.err).not.toMatch(/internal error/);
    expect(existsSync(out)).toBe(false);
  });

  it('presets lists every run preset with a description and the backbone presets', async () => {
    const { RUN_PRESETS } = await import('../../config/presets.js');
    const r = await cli('presets', '--json');
    expect(r.code).toBe(0);
    const listed = JSON.parse(r.out) as { runs: { name: string; description: string }[]; backbones: { name: string; width: number }[] };
    expect(listed.runs.map((p) => p.name)).toEqual(Object.keys(RUN_PRESETS));
    for (const p of listed.runs) expect(p.description.length).toBeGreaterThan(10);
    expect(listed.backbones.find((b) => b.name === 'vit-b')?.width).toBe(768);
  });
});
