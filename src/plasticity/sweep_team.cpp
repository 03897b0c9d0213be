#include "sweep_team.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define EINET_TEAM_PAUSE() _mm_pause()
#else
#define EINET_TEAM_PAUSE() ((void)0)
#endif

namespace einet::plasticity::detail {
namespace {
constexpr std::uint32_t generation(std::uint64_t word) { return static_cast<std::uint32_t>(word >> 32); }
constexpr std::uint32_t count(std::uint64_t word) { return static_cast<std::uint32_t>(word >> 16) & 0xFFFFu; }
constexpr std::uint32_t index(std::uint64_t word) { return static_cast<std::uint32_t>(word) & 0xFFFFu; }
constexpr int spin_limit = 1 << 14;  // ≈ 50–100 µs of pause instructions before a helper sleeps
}  // namespace

sweep_team::sweep_team(int threads) {
    for (int t = 1; t < threads; ++t) helpers_.emplace_back([this] { help(); });
}

sweep_team::~sweep_team() {
    stop_.store(true, std::memory_order_seq_cst);
    job_.fetch_add(std::uint64_t{1} << 32, std::memory_order_seq_cst);  // a new generation wakes everyone
    job_.notify_all();
    for (auto& h : helpers_) h.join();
}

bool sweep_team::take(std::uint32_t gen, std::uint32_t& k) {
    std::uint64_t word = job_.load(std::memory_order_acquire);
    // A compare-exchange, not a fetch-add: a helper still holding an old generation must not move
    // the counter of a newer job.
    while (generation(word) == gen && index(word) < count(word)) {
        if (job_.compare_exchange_weak(word, word + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
            k = index(word);
            return true;
        }
    }
    return false;
}

void sweep_team::run(std::uint32_t tiles, const std::function<void(std::uint32_t)>& tile) {
    // The previous job is complete (every tile done), so no helper reads tile_ now: a helper reads
    // it only after taking a tile of a job still in progress.
    tile_ = &tile;
    done_.store(0, std::memory_order_relaxed);
    const std::uint32_t gen = generation(job_.load(std::memory_order_relaxed)) + 1;
    // publishes tile_ and the reset of done_ with the new job
    job_.store(std::uint64_t{gen} << 32 | std::uint64_t{tiles & 0xFFFFu} << 16, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) != 0) job_.notify_all();
    std::uint32_t k = 0;
    while (take(gen, k)) {
        tile(k);
        done_.fetch_add(1, std::memory_order_release);
    }
    // Every tile is taken; wait for those a helper is still running (it is running, not asleep).
    while (done_.load(std::memory_order_acquire) != tiles) EINET_TEAM_PAUSE();
}

void sweep_team::help() {
    std::uint32_t seen = 0;  // the last generation this helper worked on
    for (;;) {
        std::uint64_t word = job_.load(std::memory_order_acquire);
        for (int spins = 0; generation(word) == seen && spins < spin_limit; ++spins) {
            EINET_TEAM_PAUSE();
            word = job_.load(std::memory_order_acquire);
        }
        if (generation(word) == seen) {  // sleep until the next job (seq_cst pairs with run's store/load)
            sleepers_.fetch_add(1, std::memory_order_seq_cst);
            for (word = job_.load(std::memory_order_seq_cst); generation(word) == seen; word = job_.load(std::memory_order_seq_cst))
                job_.wait(word, std::memory_order_seq_cst);
            sleepers_.fetch_sub(1, std::memory_order_relaxed);
        }
        if (stop_.load(std::memory_order_acquire)) return;
        seen = generation(word);
        std::uint32_t k = 0;
        while (take(seen, k)) {
            (*tile_)(k);
            done_.fetch_add(1, std::memory_order_release);
        }
    }
}

}  // namespace einet::plasticity::detail
