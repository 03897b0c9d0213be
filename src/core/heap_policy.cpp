#include "einet/core/heap_policy.hpp"

#include <cstdlib>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace einet::core {

void prefer_heap_reuse() {
#if defined(__GLIBC__)
    if (std::getenv("GLIBC_TUNABLES") != nullptr) return;
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}

}  // namespace einet::core
