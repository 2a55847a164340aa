/**
 * `@darl/patch-data`: image datasets behind one small interface, patch sequences and patch orders, pixel
 * normalisation, seeded augmentation and resumable streaming batches. Browser-safe: file loaders live in the
 * `@darl/patch-data/node` entry.
 *
 * @module
 */
export { DatasetError, imageBytes, readImages, readLabels, type ImageDataset } from './dataset.js';
export { arrayDataset, type ArrayDatasetOptions } from './array-dataset.js';
export { loadEmbeddedDigits, EMBEDDED_DIGITS_TEST_PER_CLASS, type EmbeddedDigitsOptions } from './embedded-digits.js';
export { resizedDataset } from './resized-dataset.js';
export { subsetDataset } from './subset-dataset.js';
export { datasetView } from './dataset-view.js';
export { imageGridPixels, type ImageGridOptions, type ImageGridPixels } from './image-grid.js';
export { resizeRegion, resizeAndCenterCrop, centeredRegion, type Region } from './resize.js';
export { patchify, unpatchify, type PatchGeometry } from './patchify.js';
export {
  rasterOrder,
  nestedRasterOrder,
  randomOrder,
  customOrder,
  orderPatches,
  unorderPatches,
  type PatchOrder,
} from './patch-order.js';
export {
  pixelsToTensor,
  pixelLookupTable,
  datasetMeanStd,
  normPixTargets,
  denormPix,
  PIXEL_SCALES,
  DEFAULT_PIXEL_SCALE,
  pixelRange,
  type PixelScale,
  type PixelsToTensorOptions,
  type NormPixTargets,
} from './normalize.js';
export { pixelsToPatches, type PixelsToPatchesOptions } from './pixels-to-patches.js';
export { augment, augmentationEnabled, type AugmentOptions } from './augment.js';
export { BatchStream, type BatchStreamOptions, type Batch, type StreamCursor } from './batch-stream.js';
