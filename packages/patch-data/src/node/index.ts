/**
 * `@darl/patch-data/node`: dataset files on disk — IDX (MNIST family), CIFAR-10/100 binary, PNG/JPEG image
 * folders — and `openDataset` for dataset specs; image grids as PNG bytes (`encodeImageGrid`). Node only.
 *
 * @module
 */
export { loadIdx, parseIdx, findIdxFiles, type IdxSource, type IdxArray, type LoadIdxOptions } from './idx.js';
export { loadCifar, type LoadCifarOptions } from './cifar.js';
export { loadImageFolder, type LoadImageFolderOptions } from './image-folder.js';
export { decodeImage, sniffImageFormat, rgbaToChannels, type DecodedImage } from './decode-image.js';
export { readDatasetFile } from './read-file.js';
export { openDataset, knownImageShape, DATASET_KINDS, datasetSpecForms, type DatasetKind, type DatasetSpec, type OpenDatasetOptions } from './open-dataset.js';
export { encodeImageGrid } from './encode-image-grid.js';
