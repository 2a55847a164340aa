/**
 * Initialising the tensor backend a CLI command asked for with `--backend`.
 *
 * @module
 */
import { useBackend, type BackendInfo, type BackendName } from '@darl/tensor-backend';

/** Initialises the backend a command asked for (`auto` picks the fastest that works). */
export async function selectBackend(name: string): Promise<BackendInfo> {
  return useBackend(name as BackendName | 'auto');
}
