import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Small real HIP translation units. `variant` makes each one distinct, so a
// build's files never hit each other's cache entries.
export function hipSource(variant = 0) {
  return `#include <hip/hip_runtime.h>

__global__ void scale_${variant}(float* x, float a, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) x[i] = x[i] * a + ${variant}.0f;
}

__global__ void sum_${variant}(const float* x, float* out, int n) {
  __shared__ float part[256];
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  part[threadIdx.x] = i < n ? x[i] : 0.0f;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) part[threadIdx.x] += part[threadIdx.x + s];
    __syncthreads();
  }
  if (threadIdx.x == 0) atomicAdd(out, part[0]);
}

void launch_${variant}(float* x, float* out, int n) {
  scale_${variant}<<<(n + 255) / 256, 256>>>(x, 2.0f, n);
  sum_${variant}<<<(n + 255) / 256, 256>>>(x, out, n);
}
`;
}

// `units` distinct HIP files in src/ and a Makefile building each into obj/ with `recipe` (make's $< and $@).
export function writeMakeProject(dir, units, recipe) {
  mkdirSync(join(dir, 'src'), { recursive: true });
  for (let i = 0; i < units; i++) writeFileSync(join(dir, 'src', `unit${i}.hip`), hipSource(i));
  writeFileSync(
    join(dir, 'Makefile'),
    ['SRCS := $(wildcard src/*.hip)', 'OBJS := $(SRCS:src/%.hip=obj/%.o)', 'all: $(OBJS)', 'obj/%.o: src/%.hip', '\t@mkdir -p obj', `\t${recipe}`, ''].join('\n'),
  );
}
