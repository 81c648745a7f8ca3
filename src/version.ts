// Replaced at bundle time by scripts/build.mjs; the fallback serves tests run from source.
declare const __HCL_VERSION__: string | undefined;
export const VERSION: string = typeof __HCL_VERSION__ === 'string' ? __HCL_VERSION__ : '0.0.0-dev';
