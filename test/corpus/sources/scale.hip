// RDC across sources: scale() is defined here and called from use.hip's kernel.
#include "mini_hip.h"
#include "config.h"
__device__ int scale(int x) { return x * (HEADER_VAL + 1); }
