// Types for what the tests import from llvm-tree.mjs.
export declare function linkLlvmTree(from: string, to: string, inside?: (path: string) => string): void;
