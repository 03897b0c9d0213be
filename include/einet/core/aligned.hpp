#pragma once
// Cache-line-aligned storage for state that threads split into chunks: with 64-byte alignment
// and chunk boundaries on multiples of 16 elements, two threads never write the same cache line.
#include <cstddef>
#include <new>
#include <vector>

namespace einet {

template <class T>
struct cache_aligned_allocator {
    using value_type = T;
    static constexpr std::align_val_t alignment{64};
    cache_aligned_allocator() = default;
    template <class U>
    cache_aligned_allocator(const cache_aligned_allocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), alignment)); }
    void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, alignment); }
    template <class U>
    bool operator==(const cache_aligned_allocator<U>&) const noexcept { return true; }
};

template <class T>
using aligned_vector = std::vector<T, cache_aligned_allocator<T>>;

}  // namespace einet
