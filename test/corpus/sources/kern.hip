// Every device symbol is static, so the same source compiled to two objects
// links with -fgpu-rdc: each object's statics are externalized under its own
// __hip_cuid_, and two objects with one id collide.
#include "mini_hip.h"
#include "config.h"
#ifndef VAL
#define VAL 0
#endif
static __device__ int counter;
static __global__ void kernel(int* p) { p[__builtin_amdgcn_workitem_id_x()] = counter + HEADER_VAL + VAL; }
// static too: two objects from this source must not clash on the host side either.
__attribute__((used)) static void launch(int* p) { kernel<<<1, 1, 0, 0>>>(p); }
