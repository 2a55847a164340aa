import { describe, expect, it } from 'vitest';
import { DEBIAN_BLAS_BUILDS, MALLOC_SETTINGS, fastestBy, peerConfigs } from './peer-configs.js';

describe('peerConfigs', () => {
  it('crosses every BLAS build with 1 and 2 threads, without and with the malloc settings', () => {
    const cs = peerConfigs(DEBIAN_BLAS_BUILDS);
    expect(cs).toHaveLength(8);
    expect(new Set(cs.map((c) => c.name)).size).toBe(8);
    expect(cs.map((c) => c.name)).toContain('pthread OpenBLAS, 2 threads, malloc settings');
    for (const c of cs) {
      expect(c.env.OMP_NUM_THREADS).toBe(String(c.threads));
      expect(c.env.OPENBLAS_NUM_THREADS).toBe(String(c.threads));
      expect(c.env.LD_LIBRARY_PATH).toBe(DEBIAN_BLAS_BUILDS.find((b) => b.name === c.blas)?.dir);
      for (const [k, v] of Object.entries(MALLOC_SETTINGS)) expect(c.env[k]).toBe(c.malloc ? v : undefined);
    }
  });

  it('sets the three glibc variables to the values the issue measured', () => {
    expect(MALLOC_SETTINGS).toEqual({
      MALLOC_MMAP_THRESHOLD_: String(32 * 1024 * 1024),
      MALLOC_TRIM_THRESHOLD_: String(4 * 1024 ** 3),
      MALLOC_TOP_PAD_: String(1024 ** 3),
    });
  });

  it('falls back to the system BLAS, without LD_LIBRARY_PATH, when no build is found', () => {
    const cs = peerConfigs([]);
    expect(cs.map((c) => c.name)).toEqual([
      'system BLAS, 1 thread',
      'system BLAS, 1 thread, malloc settings',
      'system BLAS, 2 threads',
      'system BLAS, 2 threads, malloc settings',
    ]);
    expect(cs.every((c) => c.env.LD_LIBRARY_PATH === undefined)).toBe(true);
  });
});

describe('fastestBy', () => {
  const rs = [
    { name: 'a', ms: 120, other: 5 },
    { name: 'b', ms: 100, other: 9 },
    { name: 'c', ms: 100, other: 1 },
    { name: 'd', ms: Number.NaN, other: 0.5 },
  ];

  it('picks the smallest time per key, the earlier one on a tie, and ignores non-finite values', () => {
    expect(fastestBy(rs, 'ms')?.name).toBe('b');
    expect(fastestBy(rs, 'other')?.name).toBe('d');
    expect(fastestBy([{ ms: Infinity }, { ms: undefined }], 'ms')).toBeUndefined();
    expect(fastestBy([], 'ms')).toBeUndefined();
  });
});
