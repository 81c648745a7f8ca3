// The few declarations a HIP kernel launch needs, standing in for
// <hip/hip_runtime.h> (compiled with -nogpuinc): the corpus measures how caches
// handle compile shapes, and the runtime headers would only make each of its
// hundreds of compiles ten times slower. Real headers: the real-code case.
#pragma once
#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  dim3(unsigned a = 1) : x(a) {}
};
typedef struct ihipStream_t* hipStream_t;
extern "C" int __hipPushCallConfiguration(dim3 grid, dim3 block, unsigned long shmem = 0, hipStream_t stream = 0);
extern "C" int __hipPopCallConfiguration(dim3* grid, dim3* block, unsigned long* shmem, hipStream_t* stream);
extern "C" int hipLaunchKernel(const void* f, dim3 grid, dim3 block, void** args, unsigned long shmem, hipStream_t stream);
