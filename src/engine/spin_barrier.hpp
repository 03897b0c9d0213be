#pragma once
// A sense-reversing barrier for the few threads of one simulation. A spiking step lasts a few
// microseconds, so a waiting thread first spins (OpenMP's barrier sleeps and wakes too slowly for
// steps this short); if its partner is not running (a busy or oversubscribed machine) it then
// sleeps on the flag (C++20 atomic wait, a futex), so it hands the core over instead of burning it.
#include <atomic>
#include <cstddef>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define EINET_SPIN_PAUSE() _mm_pause()
#else
#define EINET_SPIN_PAUSE() ((void)0)
#endif

namespace einet::engine::detail {

class spin_barrier {
public:
    explicit spin_barrier(std::size_t threads) : threads_(threads) {}

    void wait() {
        if (threads_ <= 1) return;
        const bool sense = !sense_.load(std::memory_order_relaxed);
        if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == threads_) {
            arrived_.store(0, std::memory_order_relaxed);
            sense_.store(sense, std::memory_order_release);
            sense_.notify_all();
            return;
        }
        for (int spins = 0; spins < 2048; ++spins) {
            if (sense_.load(std::memory_order_acquire) == sense) return;
            EINET_SPIN_PAUSE();
        }
        while (sense_.load(std::memory_order_acquire) != sense) sense_.wait(!sense, std::memory_order_acquire);
    }

private:
    const std::size_t threads_;
    alignas(64) std::atomic<std::size_t> arrived_{0};
    alignas(64) std::atomic<bool> sense_{false};
};

}  // namespace einet::engine::detail
