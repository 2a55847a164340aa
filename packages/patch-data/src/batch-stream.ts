/**
 * Streaming batches with seeded per-epoch shuffling and a resumable cursor.
 *
 * The order of epoch `e` is `new Rng(\`${seed}/epoch/${e}\`).permutation(N)` (or `0 … N−1` without shuffling): it
 * depends on nothing but `(seed, epoch)`, so a stream rebuilt from a saved cursor `{ epoch, position }` yields
 * exactly the batches the uninterrupted stream would have yielded. Augmentation randomness is derived the same way
 * from `(seed, epoch, position)`.
 *
 * @module
 */
import { Rng } from '@darl/tensor-backend';
import { augment, augmentationEnabled, type AugmentOptions } from './augment.js';
import { imageBytes, type ImageDataset } from './dataset.js';

/** Where a stream is: the epoch of the next batch and the position of its first example in that epoch's order. */
export interface StreamCursor {
  /** Epoch of the next batch, from 0. */
  readonly epoch: number;
  /** Index of the next batch's first example in that epoch's shuffled order. */
  readonly position: number;
}

/** Options of {@link BatchStream}. */
export interface BatchStreamOptions {
  /** Images per batch. */
  readonly batchSize: number;
  /** Seed of the per-epoch shuffles (and of augmentation). */
  readonly seed: number | string;
  /** Drop the last, short batch of each epoch (default false). */
  readonly dropLast?: boolean;
  /** Shuffle each epoch (default true). */
  readonly shuffle?: boolean;
  /** Resume from a cursor saved from {@link BatchStream.cursor} (default `{ epoch: 0, position: 0 }`). */
  readonly cursor?: StreamCursor;
  /** Augmentations applied to each batch's pixels (default none). */
  readonly augment?: AugmentOptions;
}

/** One batch. */
export interface Batch {
  /** Dataset indices of the batch's images, `[B]`. */
  readonly indices: Int32Array;
  /** Pixels uint8 `[B, H, W, C]` (flat, HWC per image). */
  readonly pixels: Uint8Array;
  /** Labels `[B]`; `-1` for unlabelled images. */
  readonly labels: Int32Array;
  /** Epoch this batch belongs to. */
  readonly epoch: number;
  /** The cursor after this batch (save it to resume after this batch). */
  readonly cursor: StreamCursor;
  /** `[B, H, W, C]` of `pixels`. */
  readonly shape: readonly [number, number, number, number];
}

/**
 * An endless stream of batches over a dataset, epoch after epoch.
 *
 * @example
 * const stream = new BatchStream(train, { batchSize: 64, seed: 1, dropLast: true, shuffle: true });
 * const { pixels, labels, cursor } = stream.next();   // save `cursor` with a checkpoint to resume exactly
 */
export class BatchStream {
  private readonly dataset: ImageDataset;
  private readonly batchSize: number;
  private readonly seed: number | string;
  private readonly dropLast: boolean;
  private readonly shuffle: boolean;
  private readonly augmentOptions: AugmentOptions | undefined;
  private epoch: number;
  private position: number;
  private order: Int32Array | null = null;
  private orderEpoch = -1;

  constructor(dataset: ImageDataset, opts: BatchStreamOptions) {
    const { batchSize, seed } = opts;
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new RangeError(`BatchStream: batchSize must be a positive integer, got ${batchSize}.`);
    }
    if (typeof seed === 'number' ? !Number.isSafeInteger(seed) : typeof seed !== 'string') {
      throw new RangeError(`BatchStream: seed must be a safe integer or a string, got ${String(seed)}.`);
    }
    if (dataset.size <= 0) throw new RangeError(`BatchStream: dataset "${dataset.name}" is empty.`);
    this.dropLast = opts.dropLast ?? false;
    if (this.dropLast && dataset.size < batchSize) {
      throw new RangeError(
        `BatchStream: dataset "${dataset.name}" has ${dataset.size} images, fewer than one batch of ${batchSize}, and dropLast is on, ` +
          'so no batch would ever be produced. Lower batchSize or turn dropLast off.',
      );
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.seed = seed;
    this.shuffle = opts.shuffle ?? true;
    this.augmentOptions = augmentationEnabled(opts.augment) ? opts.augment : undefined;
    const cursor = opts.cursor ?? { epoch: 0, position: 0 };
    if (
      !Number.isSafeInteger(cursor.epoch) || cursor.epoch < 0 ||
      !Number.isInteger(cursor.position) || cursor.position < 0 || cursor.position > dataset.size
    ) {
      throw new RangeError(
        `BatchStream: cursor must be { epoch ≥ 0, position in [0, ${dataset.size}] } (integers) for dataset "${dataset.name}", got ${JSON.stringify(cursor)}.`,
      );
    }
    this.epoch = cursor.epoch;
    this.position = cursor.position;
    this.normalise();
  }

  /** Batches per epoch: `⌊N / B⌋` with dropLast, else `⌈N / B⌉`. */
  get batchesPerEpoch(): number {
    const n = this.dataset.size;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The cursor of the next batch; JSON-serialisable. */
  get cursor(): StreamCursor {
    return { epoch: this.epoch, position: this.position };
  }

  /** The order of examples in `epoch`: dataset index at each position. */
  epochOrder(epoch: number): Int32Array {
    if (this.orderEpoch === epoch && this.order) return this.order;
    const n = this.dataset.size;
    let order: Int32Array;
    if (this.shuffle) order = new Rng(`${this.seed}/epoch/${epoch}`).permutation(n);
    else {
      order = new Int32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
    }
    this.order = order;
    this.orderEpoch = epoch;
    return order;
  }

  /** Moves to the next epoch when the current one has no full (dropLast) or no remaining batch. */
  private normalise(): void {
    const n = this.dataset.size;
    const remaining = n - this.position;
    if (remaining <= 0 || (this.dropLast && remaining < this.batchSize)) {
      this.epoch += 1;
      this.position = 0;
    }
  }

  /** The next batch; advances the cursor. */
  next(): Batch {
    const ds = this.dataset;
    const order = this.epochOrder(this.epoch);
    const count = Math.min(this.batchSize, ds.size - this.position);
    const indices = order.slice(this.position, this.position + count);
    const per = imageBytes(ds);
    let pixels: Uint8Array = new Uint8Array(count * per);
    const labels = new Int32Array(count);
    for (let k = 0; k < count; k++) {
      const idx = indices[k]!;
      ds.readInto(idx, pixels, k * per);
      labels[k] = ds.label(idx) ?? -1;
    }
    const shape = [count, ds.height, ds.width, ds.channels] as const;
    if (this.augmentOptions) {
      pixels = augment(pixels, shape, this.augmentOptions, new Rng(`${this.seed}/augment/${this.epoch}/${this.position}`));
    }
    const epoch = this.epoch;
    this.position += count;
    this.normalise();
    return { indices, pixels, labels, epoch, cursor: this.cursor, shape };
  }
}
