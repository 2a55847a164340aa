/**
 * Progress display: a bar on a terminal (cli-progress), plain lines otherwise, nothing when silenced.
 *
 * @module
 */
import cliProgress from 'cli-progress';

/**
 * The progress displays: `auto` and `bar` draw a bar on a terminal, `lines` prints one line per update, `none` is
 * silent. The CLI's `--progress` choices and default come from here.
 */
export const PROGRESS_MODES = ['auto', 'bar', 'lines', 'none'] as const;

/** One of {@link PROGRESS_MODES}. */
export type ProgressMode = (typeof PROGRESS_MODES)[number];

/** The mode used unless one is asked for. */
export const DEFAULT_PROGRESS_MODE: ProgressMode = 'auto';

/** Figures shown with each update. */
export interface ProgressFigures {
  readonly step: number;
  readonly loss: number;
  readonly lr: number;
  readonly imagesPerSec: number;
}

export interface Progress {
  update(f: ProgressFigures): void;
  /** A message that must not be garbled by the bar. */
  log(line: string): void;
  stop(): void;
}

/**
 * `mode`: 'auto' and 'bar' draw a bar when stderr is a TTY; otherwise (a pipe, a CI log) they print plain lines, as
 * 'lines' does, since a bar cannot draw there. The bar draws on stderr; lines go to `write` (default: stderr).
 */
export function createProgress(
  total: number,
  mode: ProgressMode,
  start = 0,
  write: (s: string) => void = (s) => process.stderr.write(s),
): Progress {
  const stream = process.stderr;
  const useBar = (mode === 'bar' || mode === 'auto') && stream.isTTY === true;
  if (mode === 'none') return { update() {}, log() {}, stop() {} };
  if (!useBar) {
    return {
      update: (f) =>
        write(`step ${f.step}/${total}  loss ${f.loss.toFixed(5)}  lr ${f.lr.toExponential(2)}  ${f.imagesPerSec.toFixed(1)} img/s\n`),
      log: (line) => write(`${line}\n`),
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'pretrain |{bar}| {value}/{total} steps | loss {loss} | lr {lr} | {ips} img/s | eta {eta_formatted}',
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let value = start;
  let payload = { loss: '-', lr: '-', ips: '-' };
  bar.start(total, start, payload);
  return {
    update: (f) => {
      value = f.step;
      payload = { loss: f.loss.toFixed(5), lr: f.lr.toExponential(2), ips: f.imagesPerSec.toFixed(1) };
      bar.update(value, payload);
    },
    log: (line) => {
      bar.stop();
      stream.write(`${line}\n`);
      bar.start(total, value, payload);
    },
    stop: () => bar.stop(),
  };
}
