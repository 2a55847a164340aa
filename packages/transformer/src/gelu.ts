/**
 * GELU activation, the exact form `x · Φ(x) = x · ½ · (1 + erf(x / √2))` (PyTorch's default `nn.GELU()`), not the
 * tanh approximation. The op is `@darl/tensor-backend`'s (one fused kernel each way on the native backend, the
 * composite tfjs code with tfjs's Abramowitz–Stegun erf elsewhere), re-exported here as part of this package's API.
 *
 * @module
 */
export { gelu } from '@darl/tensor-backend';
