/**
 * `metrics.jsonl`: one JSON object per line. A line with an `event` (`"sample"`, `"eval"`, `"diverged"`, …) records
 * something that happened at its `step`; any other line is a logged training step. Written by the pretraining loop
 * through `node/run-dir/metrics-log.ts`, read by the report.
 *
 * Numbers a step could not measure (an empty noise bin, a patch row without loss) are written as `null` by
 * `JSON.stringify` and read back as `NaN`.
 *
 * @module
 */
import { z } from 'zod';

/** A finite number, or `null` (JSON for NaN) read back as NaN. */
const measured = z.union([z.number(), z.null()]).transform((v) => v ?? Number.NaN);

/** A logged training step. Runs written before a field was logged lack it (`count` of a noise bin, `trainSeconds`). */
export const metricsStepSchema = z.looseObject({
  step: z.number().int().nonnegative().describe('Optimiser steps completed'),
  loss: z.number().optional().describe('Training loss of the step'),
  lr: z.number().optional().describe('Learning rate of the step'),
  gradNorm: z.number().optional().describe('Global gradient norm before clipping'),
  imagesPerSec: z.number().optional().describe('Training throughput since the previous logged step'),
  elapsed: z.number().optional().describe('Wall seconds since the run started'),
  trainSeconds: z.number().optional().describe('Seconds of training proper since the run started'),
  lossByNoise: z
    .array(
      z.object({
        lo: z.number().describe('Lower edge of the bin of the signal fraction γ'),
        hi: z.number().describe('Upper edge of the bin'),
        loss: measured.optional().transform((v) => v ?? Number.NaN).describe('Mean loss in the bin (NaN when empty)'),
        count: z.number().optional().describe('Patches in the bin (absent in older runs)'),
      }),
    )
    .optional()
    .describe('Mean loss per bin of the signal fraction γ (diffusion objectives)'),
  lossByRow: z.array(measured).optional().describe('Mean loss per row of patches'),
});

/** An event line: `{ "event": "eval", "step": 200, … }`, its other fields kept as written. */
export const metricsEventSchema = z.looseObject({
  event: z.string().describe('What happened: sample, eval, diverged, …'),
  step: z.number().optional().describe('The step it happened at'),
});

/** One line of `metrics.jsonl`: a logged step, or an event. */
export type MetricsLine = z.output<typeof metricsStepSchema> | z.output<typeof metricsEventSchema>;

/** What a writer gives for one line (`null` where a number could not be measured). */
export type MetricsLineInput = z.input<typeof metricsStepSchema> | z.input<typeof metricsEventSchema>;

/** The text of one line (with its newline). */
export function metricsLineText(line: MetricsLineInput): string {
  return `${JSON.stringify(line)}\n`;
}

/**
 * Parses the text of `metrics.jsonl` into its lines: logged steps (sorted by step) and events (in file order).
 * `bad` lists the 1-based numbers of lines that are neither.
 */
export function parseMetricsText(text: string): {
  /** The logged steps, in step order. */
  steps: z.output<typeof metricsStepSchema>[];
  /** The events, in file order. */
  events: z.output<typeof metricsEventSchema>[];
  /** 1-based numbers of the lines that are neither. */
  bad: number[];
} {
  const steps: z.output<typeof metricsStepSchema>[] = [];
  const events: z.output<typeof metricsEventSchema>[] = [];
  const bad: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      bad.push(i + 1);
      return;
    }
    const event = metricsEventSchema.safeParse(value);
    if (event.success) {
      events.push(event.data);
      return;
    }
    const step = metricsStepSchema.safeParse(value);
    if (step.success) steps.push(step.data);
    else bad.push(i + 1);
  });
  steps.sort((a, b) => a.step - b.step);
  return { steps, events, bad };
}
