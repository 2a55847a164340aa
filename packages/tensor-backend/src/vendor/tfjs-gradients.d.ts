// Side-effect-only module: registers tfjs-core's gradients and chained ops into the global registries.
export {};
