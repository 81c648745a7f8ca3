#include "mini_hip.h"
__device__ int scale(int x);
__global__ void use_scale(int* p) { p[0] = scale(p[0]); }
void launch(int* p) { use_scale<<<1, 1, 0, 0>>>(p); }
