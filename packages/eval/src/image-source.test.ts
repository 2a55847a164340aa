import { describe, expect, it } from 'vitest';
import { arrayImageSource, readLabels, readPixels, scaleBytes } from './image-source.js';

describe('image sources', () => {
  it('scales bytes: minus-one-one, unit and per-channel mean/std', () => {
    const b = Uint8Array.from([0, 255, 51, 102]);
    expect(Array.from(scaleBytes(b, 2, 'minus-one-one'))).toEqual([-1, 1, 51 / 127.5 - 1, 102 / 127.5 - 1].map(Math.fround));
    expect(Array.from(scaleBytes(b, 2, 'unit'))).toEqual([0, 1, 0.2, 0.4].map(Math.fround));
    const s = scaleBytes(b, 2, { mean: [0.5, 0], std: [0.5, 2] });
    expect(Array.from(s)).toEqual([-1, 0.5, (0.2 - 0.5) / 0.5, 0.2].map(Math.fround));
    expect(() => scaleBytes(b, 2, { mean: [0], std: [1] })).toThrow(/one entry per channel \(2\)/);
  });

  it('reads pixels and labels of an in-memory source, and names unlabelled images', () => {
    const src = arrayImageSource(Uint8Array.from([1, 2, 3, 4, 5, 6]), [2, 0, 1], { height: 1, width: 2, channels: 1 });
    expect(Array.from(readPixels(src, [2, 0]))).toEqual([5, 6, 1, 2]);
    expect(Array.from(readLabels(src, 'test'))).toEqual([2, 0, 1]);
    expect(() => readLabels({ ...src, label: () => null }, 'linear probe')).toThrow(/linear probe: image 0 has label null/);
    expect(() => arrayImageSource(new Uint8Array(5), [0, 1], { height: 1, width: 2, channels: 1 })).toThrow(/need 4 bytes/);
  });
});
