// Types for what test/lab/split-include-changed.test.ts imports from split.mjs.
export declare const SHARED_MACHINE_CCACHE: string;
export declare const splitGroup: unknown;
