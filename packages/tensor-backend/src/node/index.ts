/**
 * `@darl/tensor-backend/node`: Node-only file I/O (atomic writes, safetensors files). Kept out of the main entry so
 * that the tensor code runs in browsers too.
 *
 * @module
 */
export { writeFileAtomic } from './write-file-atomic.js';
export { saveSafetensors, loadSafetensors } from './safetensors-file.js';
export { FileSystemError, fileSystemError, fileSystemFix, errnoCode } from './fs-error.js';
