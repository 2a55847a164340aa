/** Machine description recorded with every benchmark result. */
import * as os from 'node:os';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly logicalCores: number;
  readonly platform: string;
  readonly node: string;
  /** 1-minute load average when the benchmark started and ended (other processes sharing the cores skew timings). */
  readonly loadAverage: { start: number; end?: number };
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    logicalCores: cpus.length,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverage: { start: os.loadavg()[0] as number },
  };
}

export function loadAverageNow(): number {
  return os.loadavg()[0] as number;
}
