/**
 * Drawing model images (float32 in the model's pixel scale) on canvases: grayscale, nearest-neighbour upscaled.
 *
 * @module
 */

/** Draws image `i` of `images` ([N·H·W], one channel) into `canvas`, scaled to its size. */
export function drawImage(canvas: HTMLCanvasElement, images: Float32Array, i: number, size: { height: number; width: number }, range: readonly [number, number]): void {
  const { height, width } = size;
  const [lo, hi] = range;
  const pixels = new ImageData(width, height);
  const offset = i * height * width;
  for (let p = 0; p < height * width; p++) {
    const v = Math.round((255 * (images[offset + p]! - lo)) / (hi - lo));
    const g = v < 0 ? 0 : v > 255 ? 255 : v;
    pixels.data.set([g, g, g, 255], 4 * p);
  }
  const small = new OffscreenCanvas(width, height);
  small.getContext('2d')!.putImageData(pixels, 0, 0);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}

/** Shades the patches at sequence indices ≥ `known` (not predicted yet) and outlines patch `current`. */
export function markPatches(
  canvas: HTMLCanvasElement,
  grid: { rows: readonly number[]; cols: readonly number[]; patchSize: number; height: number },
  known: number,
  current = -1,
): void {
  const ctx = canvas.getContext('2d')!;
  const s = (canvas.height / grid.height) * grid.patchSize;
  ctx.fillStyle = 'rgba(40, 70, 120, 0.55)';
  for (let t = known; t < grid.rows.length; t++) ctx.fillRect(grid.cols[t]! * s, grid.rows[t]! * s, s, s);
  if (current >= 0) {
    ctx.strokeStyle = '#f5a623';
    ctx.lineWidth = 2;
    ctx.strokeRect(grid.cols[current]! * s + 1, grid.rows[current]! * s + 1, s - 2, s - 2);
  }
}

/** Fills a row of `n` canvases of `px` pixels under `parent` (made once) and returns them. */
export function canvasRow(parent: HTMLElement, n: number, px: number): HTMLCanvasElement[] {
  while (parent.children.length < n) {
    const c = document.createElement('canvas');
    c.width = c.height = px;
    parent.append(c);
  }
  while (parent.children.length > n) parent.lastElementChild!.remove();
  return Array.from(parent.children) as HTMLCanvasElement[];
}
