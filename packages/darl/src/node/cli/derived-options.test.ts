// The CLI's option lists and defaults are derived from the modules that own them, never restated: a package that
// changes its default changes the CLI and its --help with it.
import { describe, expect, it } from 'vitest';
import type { Command, Option } from 'commander';
import { DEFAULT_SAMPLING, SAMPLERS } from '@darl/diffusion';
import { DEFAULT_FINE_TUNE, DEFAULT_KNN, DEFAULT_LINEAR_PROBE, LINEAR_PROBE_SOLVERS, POOLINGS, READOUT_ATTENTIONS } from '@darl/eval';
import { datasetSpecForms } from '@darl/patch-data/node';
import { buildProgram, runCli } from './program.js';
import { DEFAULT_PROGRESS_MODE, PROGRESS_MODES } from '../progress.js';
import { DEFAULT_DATA } from '../pretrain.js';
import { RUN_FILES, sampleGridName } from '../run-dir/index.js';

const silent = { stdout: () => {}, stderr: () => {} };

function option(command: string, long: string): Option {
  const program = buildProgram(silent, () => {});
  const cmd = program.commands.find((c: Command) => c.name() === command)!;
  const opt = cmd.options.find((o) => o.long === long);
  if (!opt) throw new Error(`darl ${command} has no option ${long}`);
  return opt;
}

async function help(command: string): Promise<string> {
  let out = '';
  const code = await runCli([command, '--help'], { stdout: (s) => void (out += s), stderr: () => {} });
  expect(code).toBe(0);
  return out.replace(/\s+/g, ' ');
}

describe('darl CLI: defaults come from the packages that own them', () => {
  it.each([
    ['--epochs', DEFAULT_FINE_TUNE.epochs],
    ['--batch-size', DEFAULT_FINE_TUNE.batchSize],
    ['--lr', DEFAULT_FINE_TUNE.lr],
    ['--layer-decay', DEFAULT_FINE_TUNE.layerDecay],
    ['--weight-decay', DEFAULT_FINE_TUNE.weightDecay],
    ['--label-smoothing', DEFAULT_FINE_TUNE.labelSmoothing],
    ['--mixup', DEFAULT_FINE_TUNE.mixup],
    ['--seed', DEFAULT_FINE_TUNE.seed],
  ] as const)('finetune %s defaults to @darl/eval DEFAULT_FINE_TUNE (%s)', (long, value) => {
    expect(option('finetune', long).defaultValue).toBe(value);
  });

  it('finetune --help shows the epochs of @darl/eval', async () => {
    expect(await help('finetune')).toContain(`--epochs <n> epochs (default: ${DEFAULT_FINE_TUNE.epochs})`);
  });

  it('probe: poolings, attentions and solver default to every pooling and attention and the default solver of @darl/eval', async () => {
    expect(option('probe', '--pooling').defaultValue).toBe(POOLINGS.join(','));
    expect(option('probe', '--attention').defaultValue).toBe(READOUT_ATTENTIONS.join(','));
    expect(option('probe', '--solver').defaultValue).toBe(DEFAULT_LINEAR_PROBE.solver);
    const text = await help('probe');
    expect(text).toContain(`solver adamw; default ${DEFAULT_LINEAR_PROBE.steps})`);
    expect(text).toContain(`(k = ${DEFAULT_KNN.k}, cosine)`);
    expect(text).toContain(`linear-probe solver: ${LINEAR_PROBE_SOLVERS.join(', ')}`);
  });

  it('probe rejects a pooling outside POOLINGS, naming the allowed ones', async () => {
    let err = '';
    const code = await runCli(['probe', '--backend', 'cpu', '--run', '/nonexistent/run', '--pooling', 'max'], { stdout: () => {}, stderr: (s) => void (err += s) });
    expect(code).toBe(1);
    expect(err).toContain(`--pooling: "max" is not one of ${POOLINGS.join(', ')}.`);
  });

  it('sample: the sampler choices are SAMPLERS and the help names the defaults a run falls back to', async () => {
    expect(option('sample', '--sampler').argChoices).toEqual([...SAMPLERS]);
    const text = await help('sample');
    expect(text).toContain(`${DEFAULT_SAMPLING.steps} unless set`);
    expect(text).toContain(`${DEFAULT_SAMPLING.sampler} unless set`);
  });

  it('pretrain --data names every dataset spec form and the default data', async () => {
    const text = await help('pretrain');
    expect(text).toContain(`training data: ${datasetSpecForms().join(', ')} (default: ${DEFAULT_DATA})`);
  });
});

describe('darl finetune: settings are checked by @darl/eval, with the flag names, before the run is read', () => {
  it.each([
    ['--lr', '0', '--lr must be > 0, got 0.'],
    ['--layer-decay', '1.5', '--layer-decay must be in (0, 1], got 1.5.'],
    ['--label-smoothing', '1', '--label-smoothing must be in [0, 1), got 1.'],
    ['--weight-decay', '-1', '--weight-decay must be ≥ 0, got -1.'],
  ])('%s %s', async (flag, value, message) => {
    let err = '';
    let out = '';
    const code = await runCli(['finetune', '--backend', 'cpu', '--run', '/nonexistent/run', flag, value, '--json'], { stdout: (s) => void (out += s), stderr: (s) => void (err += s) });
    expect(code).toBe(1);
    expect(err).toBe(`darl: error: ${message}\n`);
    expect((JSON.parse(out) as { error: { name: string } }).error.name).toBe('SettingError');
  });
});

describe('darl CLI: the progress modes are defined once', () => {
  it('--progress offers PROGRESS_MODES and defaults to DEFAULT_PROGRESS_MODE', () => {
    const opt = option('pretrain', '--progress');
    expect(opt.argChoices).toEqual([...PROGRESS_MODES]);
    expect(opt.defaultValue).toBe(DEFAULT_PROGRESS_MODE);
    expect(PROGRESS_MODES).toContain(DEFAULT_PROGRESS_MODE);
  });

  it('an unknown mode is refused with the list', async () => {
    let err = '';
    const code = await runCli(['pretrain', '--progress', 'fancy'], { stdout: () => {}, stderr: (s) => void (err += s) });
    expect(code).toBe(2);
    expect(err).toContain(`Allowed choices are ${PROGRESS_MODES.join(', ')}`);
  });
});

describe('darl CLI: help names the files the commands write', () => {
  it('sample --out names the grid file the command writes by default', async () => {
    const text = await help('sample');
    expect(text).toContain(`<run>/${RUN_FILES.samples}/${sampleGridName('<seed>')}`);
    expect(text).toContain(sampleGridName('<seed>', '<patches>'));
    expect(sampleGridName(3)).toBe('sample-seed3.png');
    expect(sampleGridName(0, 7)).toBe('sample-seed0-prefix7.png');
  });

  it('pretrain --no-report names the report file', async () => {
    expect(await help('pretrain')).toContain(`--no-report do not write ${RUN_FILES.report}`);
  });
});
