/**
 * A live loss chart on a 2D canvas: raw loss per step (faint) and its running mean, y axis fitted to the data.
 *
 * @module
 */

/** Keeps the points and redraws on demand (at most once per animation frame). */
export class LossChart {
  private readonly steps: number[] = [];
  private readonly losses: number[] = [];
  private pending = false;

  constructor(private readonly canvas: HTMLCanvasElement) {}

  clear(): void {
    this.steps.length = this.losses.length = 0;
    this.request();
  }

  add(step: number, loss: number): void {
    this.steps.push(step);
    this.losses.push(loss);
    this.request();
  }

  private request(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  private draw(): void {
    const { canvas, steps, losses } = this;
    const ctx = canvas.getContext('2d')!;
    const [w, h, left, bottom, top] = [canvas.width, canvas.height, 48, 22, 10];
    ctx.clearRect(0, 0, w, h);
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#555';
    if (losses.length === 0) {
      ctx.fillText('loss per step appears here once training starts', left, h / 2);
      return;
    }
    const smooth: number[] = [];
    let m = losses[0]!;
    for (const v of losses) smooth.push((m = 0.9 * m + 0.1 * v));
    const lo = Math.min(...losses);
    const hi = Math.max(...losses);
    const x = (s: number) => left + ((w - left - 8) * (s - steps[0]!)) / Math.max(1, steps.at(-1)! - steps[0]!);
    const y = (v: number) => top + ((h - top - bottom) * (hi - Math.min(v, hi))) / Math.max(1e-9, hi - lo);
    ctx.strokeStyle = '#ccc';
    ctx.beginPath();
    ctx.moveTo(left, top);
    ctx.lineTo(left, h - bottom);
    ctx.lineTo(w - 8, h - bottom);
    ctx.stroke();
    ctx.fillText(hi.toPrecision(3), 4, top + 8);
    ctx.fillText(lo.toPrecision(3), 4, h - bottom);
    ctx.fillText(`step ${steps.at(-1)}`, w - 70, h - 6);
    for (const [values, colour, width] of [[losses, '#9bb7e0', 1], [smooth, '#1f4e9c', 2]] as const) {
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.beginPath();
      values.forEach((v, i) => (i ? ctx.lineTo(x(steps[i]!), y(v)) : ctx.moveTo(x(steps[i]!), y(v))));
      ctx.stroke();
    }
  }
}
