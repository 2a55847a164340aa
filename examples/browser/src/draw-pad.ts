/**
 * A 28×28 grayscale drawing pad: the user draws (or picks a test digit) and the top rows become the prefix that the
 * model completes.
 *
 * @module
 */

/** The pad's pixels (uint8 [H·W]) and drawing with the pointer. */
export class DrawPad {
  readonly pixels: Uint8Array;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    readonly height = 28,
    readonly width = 28,
    /** Rows the user's drawing counts in (the prefix); rows below are shown dimmed. */
    public givenRows = 14,
  ) {
    this.pixels = new Uint8Array(height * width);
    let drawing = false;
    const at = (e: PointerEvent) => {
      const r = canvas.getBoundingClientRect();
      this.stroke(((e.clientY - r.top) / r.height) * height, ((e.clientX - r.left) / r.width) * width);
    };
    canvas.addEventListener('pointerdown', (e) => {
      drawing = true;
      canvas.setPointerCapture(e.pointerId);
      at(e);
    });
    canvas.addEventListener('pointermove', (e) => drawing && at(e));
    canvas.addEventListener('pointerup', () => (drawing = false));
    this.render();
  }

  /** A soft round brush of radius 1.6 pixels at (y, x). */
  private stroke(y: number, x: number): void {
    for (let r = Math.floor(y - 2); r <= y + 2; r++) {
      for (let c = Math.floor(x - 2); c <= x + 2; c++) {
        if (r < 0 || c < 0 || r >= this.height || c >= this.width) continue;
        const d = Math.hypot(r + 0.5 - y, c + 0.5 - x);
        const v = Math.round(255 * Math.max(0, Math.min(1, 1.6 - d)));
        const i = r * this.width + c;
        this.pixels[i] = Math.max(this.pixels[i]!, v);
      }
    }
    this.render();
  }

  set(pixels: Uint8Array): void {
    this.pixels.set(pixels);
    this.render();
  }

  clear(): void {
    this.pixels.fill(0);
    this.render();
  }

  render(): void {
    const img = new ImageData(this.width, this.height);
    for (let i = 0; i < this.pixels.length; i++) {
      const v = this.pixels[i]!;
      img.data.set(Math.floor(i / this.width) < this.givenRows ? [v, v, v, 255] : [v / 4, v / 4, 60, 255], 4 * i);
    }
    const small = new OffscreenCanvas(this.width, this.height);
    small.getContext('2d')!.putImageData(img, 0, 0);
    const ctx = this.canvas.getContext('2d')!;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(small, 0, 0, this.canvas.width, this.canvas.height);
  }
}
