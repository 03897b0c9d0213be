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

    // Thread t (0 ≤ t < threads) arrives with a set of flags (bits); returns once every thread
    // has arrived as often as t, with the union of the flags all threads brought to this round
    // (every thread gets the same answer, so all can take the same decision, e.g. to stop).
    unsigned wait(std::size_t t, unsigned flags = 0) {
        if (slots_.size() <= 1) return flags;
        auto& me = slots_[t];
        const std::uint32_t round = me.round.load(std::memory_order_relaxed) + 1;
        // Round r's flags are published by the round store below and read after every thread's
        // round-r store. Three words in turn: round r − 1's word, read by every thread before it
        // arrived at r, is cleared by thread 0 once past r, before anyone can arrive at r + 2.
        auto& word = flags_[me.phase];
        if (flags != 0) word.fetch_or(flags, std::memory_order_relaxed);
        // seq_cst store, then seq_cst load of sleepers_: a waiter increments sleepers_ before its
        // last look at our counter, so either it sees this round or we see it asleep.
        me.round.store(round, std::memory_order_seq_cst);
        if (sleepers_.load(std::memory_order_seq_cst) != 0) me.round.notify_all();
        for (std::size_t q = 0; q < slots_.size(); ++q) {
            if (q != t) me.sleeps += wait_for(slots_[q].round, round) ? 1 : 0;
        }
        const unsigned all = word.load(std::memory_order_relaxed);
        if (t == 0) flags_[(me.phase + 2) % 3].store(0, std::memory_order_relaxed);
        me.phase = (me.phase + 1) % 3;
        return all;
    }

    // How often thread t found a partner so late that it went to sleep (called by t only).
    std::uint64_t sleeps(std::size_t t) const { return slots_[t].sleeps; }

private:
    static bool reached(std::uint32_t seen, std::uint32_t round) { return static_cast<std::int32_t>(seen - round) >= 0; }

    // Whether it had to sleep.
    bool wait_for(std::atomic<std::uint32_t>& other, std::uint32_t round) {
        for (int spins = 0; spins < 4096; ++spins) {
            if (reached(other.load(std::memory_order_acquire), round)) return false;
            EINET_SPIN_PAUSE();
        }
        sleepers_.fetch_add(1, std::memory_order_seq_cst);
        for (std::uint32_t seen = other.load(std::memory_order_seq_cst); !reached(seen, round);
             seen = other.load(std::memory_order_seq_cst)) {
            other.wait(seen, std::memory_order_seq_cst);
        }
        sleepers_.fetch_sub(1, std::memory_order_relaxed);
        return true;
    }

    struct alignas(128) slot {  // 128: lines are prefetched in pairs
        std::atomic<std::uint32_t> round{0};
        std::uint64_t sleeps = 0;  // the owner's only
        unsigned phase = 0;        // the owner's only: round % 3, the flag word in use
    };
    std::vector<slot> slots_;
    alignas(128) std::atomic<int> sleepers_{0};
    std::atomic<unsigned> flags_[3] = {0, 0, 0};
};

}  // namespace einet::engine::detail
