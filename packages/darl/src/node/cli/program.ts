/**
 * The `darl` command: pretrain, probe, finetune, sample, info. Each command validates its inputs before any work,
 * prints progress on stderr, and with `--json` prints its result as one JSON object on stdout.
 *
 * @module
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_SAMPLING, SAMPLERS } from '@darl/diffusion';
import { DEFAULT_FINE_TUNE, DEFAULT_KNN, DEFAULT_LINEAR_PROBE, LINEAR_PROBE_SOLVERS, POOLINGS, READOUT_ATTENTIONS } from '@darl/eval';
import { datasetSpecForms } from '@darl/patch-data/node';
import { BACKEND_CHOICES } from '@darl/tensor-backend';
import { RUN_PRESETS } from '../../config/presets.js';
import { reportError } from './errors.js';
import { runPresetsCommand } from './presets-command.js';
import { runtimeVersions } from '../versions.js';
import { runPretrainCommand } from './pretrain-command.js';
import { runProbeCommand } from './probe-command.js';
import { runSampleCommand } from './sample-command.js';
import { runFinetuneCommand } from './finetune-command.js';
import { runInfoCommand } from './info-command.js';
import { processIO, type CliIO } from './cli-io.js';
import { DEFAULT_PROGRESS_MODE, PROGRESS_MODES } from '../progress.js';
import { DEFAULT_DATA } from '../pretrain.js';
import { RUN_FILES, sampleGridName } from '../run-dir/index.js';

export type { CliIO } from './cli-io.js';

/** Parses a non-negative integer option value or explains what was expected. */
export function intOption(name: string, min = 0): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got "${v}".`);
    return n;
  };
}

/** Parses a number option value. */
export function numberOption(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got "${v}".`);
    return n;
  };
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

function backendOption(): Option {
  return new Option('--backend <name>', 'tensor backend').choices([...BACKEND_CHOICES]).default('auto');
}

/** `--step N` of the commands that read a run's weights: an older kept checkpoint instead of the committed one. */
function stepOption(): Option {
  return new Option('--step <n>', 'use the kept checkpoint of this step instead of the latest (darl info --run lists them)').argParser(intOption('--step', 0));
}

/** Wraps a command's action: its result (or the error it throws, reported) becomes the exit code given to `done`. */
type Wrap = <A extends unknown[]>(fn: (...args: A) => Promise<unknown>) => (...args: A) => Promise<void>;

function actionWrapper(io: CliIO, done: (code: number) => void): Wrap {
  return (fn) =>
    async (...args) => {
      try {
        const code = await fn(...args);
        done(typeof code === 'number' ? code : 0);
      } catch (err) {
        const json = (args[0] as { json?: boolean } | undefined)?.json === true;
        done(reportError(err, io.stderr, json ? io.stdout : undefined));
      }
    };
}

/** `darl pretrain`. */
function addPretrainCommand(program: Command, wrap: Wrap, io: CliIO): void {
  program
    .command('pretrain')
    .description('pretrain a DARL model; writes a run directory (config, checkpoints, metrics, samples, report)')
    .option('--config <file>', 'JSON config file: {"model": {...}, "train": {...}}')
    .addOption(new Option('--preset <name>', 'start from a named configuration').choices(Object.keys(RUN_PRESETS)))
    .option('--set <key=value>', 'override one config key, e.g. --set train.steps=500 (repeatable)', collect, [])
    .option('--data <spec>', `training data: ${datasetSpecForms().join(', ')} (default: ${DEFAULT_DATA})`)
    .addOption(backendOption())
    .option('--seed <n>', 'random seed (train.seed)', intOption('--seed'))
    .option('--out <dir>', 'run directory to create')
    .option('--resume <dir>', 'continue the run in <dir> from its last checkpoint')
    .option('--from-step <n>', 'with --resume: continue from the kept checkpoint of this step instead of the last one', intOption('--from-step', 0))
    .option('--stop-at <step>', 'stop (and checkpoint) after this step, although the schedule runs to train.steps', intOption('--stop-at', 1))
    .addOption(new Option('--progress <mode>', 'progress display on stderr').choices([...PROGRESS_MODES]).default(DEFAULT_PROGRESS_MODE))
    .option('--no-report', `do not write ${RUN_FILES.report}`)
    .option('--json', 'print the result as one JSON object on stdout')
    .option('--print-config', `print the fully resolved run config (what ${RUN_FILES.config} would record) and exit without training`)
    .option('--dry-run', 'check the config, data, batch, model and memory as a run would, then exit without writing anything')
    .action(wrap((opts) => runPretrainCommand(opts, io)));
}

/** `darl probe`. */
function addProbeCommand(program: Command, wrap: Wrap, io: CliIO): void {
  program
    .command('probe')
    .description(`linear-probe sweep (layers × pooling × attention) with the raw-pixel baseline and the random-init control; writes ${RUN_FILES.probe}`)
    .requiredOption('--run <dir>', 'run directory of a pretrained model')
    .addOption(stepOption())
    .option('--data <spec>', 'labelled data (default: the data the run was trained on)')
    .addOption(backendOption())
    .option('--layers <list>', 'layers to probe, e.g. 2,4 (default: all)')
    .option('--pooling <list>', `poolings, any of ${POOLINGS.join(',')}`, POOLINGS.join(','))
    .option('--attention <list>', `readout attentions, any of ${READOUT_ATTENTIONS.join(',')}`, READOUT_ATTENTIONS.join(','))
    .option('--max-train <n>', 'use at most n training images', intOption('--max-train', 10))
    .option('--max-test <n>', 'use at most n test images', intOption('--max-test', 10))
    .option('--solver <name>', `linear-probe solver: ${LINEAR_PROBE_SOLVERS.join(', ')}`, DEFAULT_LINEAR_PROBE.solver)
    .option('--probe-steps <n>', `AdamW steps of each linear probe (solver adamw; default ${DEFAULT_LINEAR_PROBE.steps})`, intOption('--probe-steps', 1))
    .option('--no-control', 'skip the random-init control (the same architecture at its initial weights, probed on every cell)')
    .option('--knn', `also report kNN accuracy (k = ${DEFAULT_KNN.k}, cosine) for the best cell`)
    .option('--attentive', 'also train an attentive probe (AIM) on the best cell\'s layer')
    .option('--no-ema', 'use the raw weights even when the run kept an EMA')
    .option('--seed <n>', 'random seed', intOption('--seed'), 0)
    .option('--json', 'print the result as one JSON object on stdout')
    .action(wrap((opts) => runProbeCommand(opts, io)));
}

/** `darl finetune`. */
function addFinetuneCommand(program: Command, wrap: Wrap, io: CliIO): void {
  program
    .command('finetune')
    .description(`fine-tune the pretrained backbone with a classification head (full attention, layer-wise LR decay); writes ${RUN_FILES.finetune}`)
    .requiredOption('--run <dir>', 'run directory of a pretrained model')
    .addOption(stepOption())
    .option('--data <spec>', 'labelled data (default: the data the run was trained on)')
    .addOption(backendOption())
    .option('--epochs <n>', 'epochs', intOption('--epochs', 1), DEFAULT_FINE_TUNE.epochs)
    .option('--batch-size <n>', 'batch size', intOption('--batch-size', 1), DEFAULT_FINE_TUNE.batchSize)
    .option('--lr <x>', 'peak learning rate', numberOption('--lr'), DEFAULT_FINE_TUNE.lr)
    .option('--layer-decay <x>', 'layer-wise learning-rate decay (1 disables)', numberOption('--layer-decay'), DEFAULT_FINE_TUNE.layerDecay)
    .option('--weight-decay <x>', 'AdamW weight decay', numberOption('--weight-decay'), DEFAULT_FINE_TUNE.weightDecay)
    .option('--label-smoothing <x>', 'label smoothing ε', numberOption('--label-smoothing'), DEFAULT_FINE_TUNE.labelSmoothing)
    .option('--mixup <x>', 'mixup α (0 disables)', numberOption('--mixup'), DEFAULT_FINE_TUNE.mixup)
    .option('--max-train <n>', 'use at most n training images', intOption('--max-train', 10))
    .option('--max-test <n>', 'use at most n test images', intOption('--max-test', 10))
    .option('--no-ema', 'start from the raw weights even when the run kept an EMA')
    .option('--from-scratch', 'also fine-tune the same architecture from its initial weights with identical settings (the control)')
    .option('--seed <n>', 'random seed', intOption('--seed'), DEFAULT_FINE_TUNE.seed)
    .option('--json', 'print the result as one JSON object on stdout')
    .action(wrap((opts) => runFinetuneCommand(opts, io)));
}

/** `darl sample`. */
function addSampleCommand(program: Command, wrap: Wrap, io: CliIO): void {
  program
    .command('sample')
    .description('generate images (or complete the first patches of test images) into a PNG grid')
    .requiredOption('--run <dir>', 'run directory of a pretrained model')
    .addOption(stepOption())
    .addOption(backendOption())
    .option('--n <count>', 'number of images', intOption('--n', 1), 16)
    .option('--steps <n>', `denoising steps per patch (diffusion; default: the run's model.diffusion.sampleSteps, ${DEFAULT_SAMPLING.steps} unless set)`, intOption('--steps', 1))
    .addOption(new Option('--sampler <name>', `diffusion sampler (default: the run's model.diffusion.sampler, ${DEFAULT_SAMPLING.sampler} unless set)`).choices([...SAMPLERS]))
    .option('--temperature <t>', 'noise temperature (diffusion)', numberOption('--temperature'), 1)
    .option('--prefix <patches>', 'complete test images from their first <patches> patches', intOption('--prefix', 0))
    .option('--data <spec>', 'images to complete with --prefix (default: the run\'s data, test split)')
    .option('--no-ema', 'use the raw weights even when the run kept an EMA')
    .option('--seed <n>', 'random seed', intOption('--seed'), 0)
    .option('--out <file>', `PNG file to write (default: <run>/${RUN_FILES.samples}/${sampleGridName('<seed>')}, with --prefix ${sampleGridName('<seed>', '<patches>')})`)
    .option('--json', 'print the result as one JSON object on stdout')
    .action(wrap((opts) => runSampleCommand(opts, io)));
}

/** `darl presets`. */
function addPresetsCommand(program: Command, wrap: Wrap, io: CliIO): void {
  program
    .command('presets')
    .description('the run presets (--preset) with their descriptions, and the backbone presets with their sizes')
    .option('--json', 'print the result as one JSON object on stdout')
    .action(wrap((opts) => runPresetsCommand(opts, io)));
}

/** `darl info`. */
function addInfoCommand(program: Command, wrap: Wrap, io: CliIO): void {
  program
    .command('info')
    .description('backends available here and the one chosen, with versions; with --run, the checkpoints of a run directory')
    .addOption(backendOption())
    .option('--run <dir>', 'list the checkpoints kept in this run directory (which one is committed, what is stale)')
    .option('--json', 'print the result as one JSON object on stdout')
    .action(wrap((opts) => runInfoCommand(opts, io)));
}

/** Builds the commander program; actions resolve to an exit code via `done`. */
export function buildProgram(io: CliIO, done: (code: number) => void): Command {
  const program = new Command('darl')
    .description('DARL — Denoising Autoregressive Representation Learning on TensorFlow.js')
    .version(runtimeVersions()['@darl/darl'] ?? 'unknown')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)');

  const wrap = actionWrapper(io, done);
  addPretrainCommand(program, wrap, io);
  addProbeCommand(program, wrap, io);
  addFinetuneCommand(program, wrap, io);
  addSampleCommand(program, wrap, io);
  addPresetsCommand(program, wrap, io);
  addInfoCommand(program, wrap, io);
  return program;
}

/**
 * Runs the CLI with `argv` (without the node and script paths) and resolves to the exit code.
 */
export async function runCli(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 2;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit with 0; usage mistakes with 2 (the message was already printed).
      return err.exitCode === 0 ? 0 : 2;
    }
    return reportError(err, io.stderr);
  }
}
