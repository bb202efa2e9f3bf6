// A hint that the host will soon read the memory at `p` (no effect on results: it only
// asks the host CPU to start loading the cache line). Swift has no prefetch of its own.
#ifndef MKSIM_PREFETCH_H
#define MKSIM_PREFETCH_H

static inline void mksim_prefetch(const void *p) { __builtin_prefetch(p, 1, 3); }

#endif
