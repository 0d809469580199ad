// Counts heap allocations made by the process, so benchmarks can report
// allocations per operation. The `ramp` executable defines malloc and its
// relatives (forwarding to glibc), which the dynamic linker prefers for
// every library in the process.
#ifndef RAMP_MALLOC_COUNTER_H
#define RAMP_MALLOC_COUNTER_H
#include <stdint.h>

/// Allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc) so far.
uint64_t ramp_allocation_count(void);

#endif
