#pragma once
// The barrier of the spiking engine's few threads. A step lasts a few microseconds, so a waiting
// thread first spins (OpenMP's barrier sleeps and wakes too slowly for steps this short). Each
// thread announces its arrival in its own cache line (a round counter) and reads the others'
// lines: on two cores a round costs one line transfer each way, in parallel, instead of a shared
// counter's read-modify-write followed by a flag's transfer (bench/bench_barrier.cpp measures
// both). If a partner is not running (a busy or oversubscribed machine) a waiter then sleeps on
// that partner's counter (C++20 atomic wait, a futex); arrivals wake sleepers only when there are
// any, so the common round makes no system call.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define EINET_SPIN_PAUSE() _mm_pause()
#else
#define EINET_SPIN_PAUSE() ((void)0)
#endif

namespace einet::engine::detail {

class spin_barrier {
public:
    explicit spin_barrier(std::size_t threads) : slots_(threads) {}

    // Thread t (0 ≤ t < threads) arrives; returns once every thread has arrived as often as t,
    // with whether any of them arrived `failed` in this round (all threads get the same answer,
    // so they can leave their loop at the same barrier).
    bool wait(std::size_t t, bool failed = false) {
        if (slots_.size() <= 1) return failed;
        const std::uint32_t round = slots_[t].round.load(std::memory_order_relaxed) + 1;
        // Round r's flag is published by the round store below and read after every thread's
        // round-r store; round r + 2, the next writer of the flag, cannot begin before that.
        if (failed) failed_[round & 1].store(true, std::memory_order_relaxed);
        // seq_cst store, then seq_cst load of sleepers_: a waiter increments sleepers_ before its
        // last look at our counter, so either it sees this round or we see it asleep.
        slots_[t].round.store(round, std::memory_order_seq_cst);
        if (sleepers_.load(std::memory_order_seq_cst) != 0) slots_[t].round.notify_all();
        for (std::size_t q = 0; q < slots_.size(); ++q) {
            if (q != t) wait_for(slots_[q].round, round);
        }
        return failed_[round & 1].load(std::memory_order_relaxed);
    }

private:
    static bool reached(std::uint32_t seen, std::uint32_t round) { return static_cast<std::int32_t>(seen - round) >= 0; }

    void wait_for(std::atomic<std::uint32_t>& other, std::uint32_t round) {
        for (int spins = 0; spins < 4096; ++spins) {
            if (reached(other.load(std::memory_order_acquire), round)) return;
            EINET_SPIN_PAUSE();
        }
        sleepers_.fetch_add(1, std::memory_order_seq_cst);
        for (std::uint32_t seen = other.load(std::memory_order_seq_cst); !reached(seen, round);
             seen = other.load(std::memory_order_seq_cst)) {
            other.wait(seen, std::memory_order_seq_cst);
        }
        sleepers_.fetch_sub(1, std::memory_order_relaxed);
    }

    struct alignas(64) slot {
        std::atomic<std::uint32_t> round{0};
    };
    std::vector<slot> slots_;
    alignas(64) std::atomic<int> sleepers_{0};
    std::atomic<bool> failed_[2] = {false, false};
};

}  // namespace einet::engine::detail
