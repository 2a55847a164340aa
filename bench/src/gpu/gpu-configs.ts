/**
 * The GPU benchmark's workloads, defined once: the runner hands them to both systems (darl on webgpu, and the PyTorch
 * script as `--spec` JSON), so both do the same work. `smoke` shrinks every shape to run in seconds on SwiftShader
 * (CPU Vulkan) and PyTorch on the CPU: it proves the chain, not speed.
 */
import { REFERENCE_CONFIG, type BenchModelConfig } from '../reference-model.js';

/** A ViT-S-sized DARL step: width 384, depth 12, 6 heads, MLP 1536, 32×32×3 images, patch 4 (64 patches + SOS), batch 256. */
export const VIT_S_CONFIG: BenchModelConfig = {
  imageSize: 32,
  channels: 3,
  patchSize: 4,
  width: 384,
  depth: 12,
  heads: 6,
  mlpWidth: 1536,
  batch: 256,
};

/** What one run measures, and how long each measurement may take. */
export interface GpuBenchSpec {
  /** Training step of the reference model (docs/DESIGN.md §3). */
  readonly reference: BenchModelConfig;
  /** Training step of the ViT-S-sized model. */
  readonly vitS: BenchModelConfig;
  /** Images per feature-extraction call (reference backbone, forward only). */
  readonly featureBatch: number;
  /** DDIM steps per patch of the diffusion generation. */
  readonly ddimSteps: number;
  /** Timed repetitions per figure (fewer when its time budget runs out; always at least one). */
  readonly reps: number;
  /** Untimed warm-up calls per figure (shader compilation, allocation, autotuning). */
  readonly warmup: number;
  /** Wall-time budget per figure in seconds, warm-up included (the whole GPU run must end within 8 minutes). */
  readonly budgetSeconds: number;
  readonly smoke: boolean;
}

const SMOKE_MODEL = { patchSize: 4, width: 16, depth: 1, heads: 2, mlpWidth: 32, batch: 2 } as const;

export function gpuBenchSpec(smoke: boolean): GpuBenchSpec {
  if (smoke) {
    return {
      reference: { ...SMOKE_MODEL, imageSize: 8, channels: 1 },
      vitS: { ...SMOKE_MODEL, imageSize: 8, channels: 3, heads: 2, depth: 2 },
      featureBatch: 4,
      ddimSteps: 2,
      reps: 2,
      warmup: 1,
      budgetSeconds: 20,
      smoke,
    };
  }
  return { reference: REFERENCE_CONFIG, vitS: VIT_S_CONFIG, featureBatch: 256, ddimSteps: 20, reps: 10, warmup: 2, budgetSeconds: 25, smoke };
}
