/** Where the network runs: onnxruntime's CPU provider, WebGPU (bundled), or CUDA (where installed). */
export const executionProviders = ["cpu", "webgpu", "cuda"] as const;
export type ExecutionProvider = (typeof executionProviders)[number];
