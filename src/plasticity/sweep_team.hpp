#pragma once
// Helper threads for the balancing sweeps of one run (internal to the plasticity module). A sweep
// is split into fixed tiles; the calling thread and every helper that is awake take tiles from one
// shared counter until none is left, and the caller returns once every tile taken is done. The
// caller never waits for a helper to wake up: at N = 256 a sweep lasts ≈ 4 µs, and on a busy
// machine a descheduled helper would otherwise cost a scheduler time slice (milliseconds) at every
// sweep (OpenMP's fork and join do wait; two threads then ran 10–50× slower than one). With no
// helper awake the caller simply does every tile. Which thread runs a tile never changes its
// bits. Idle helpers spin briefly, then sleep on the job word (C++20 atomic wait).
#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace einet::plasticity::detail {

class sweep_team {
public:
    explicit sweep_team(int threads);  // threads − 1 helpers
    ~sweep_team();
    sweep_team(const sweep_team&) = delete;
    sweep_team& operator=(const sweep_team&) = delete;

    // Runs tile(k) for k = 0 .. tiles − 1 (tiles < 65536), each exactly once, on this thread and the helpers.
    void run(std::uint32_t tiles, const std::function<void(std::uint32_t)>& tile);

private:
    void help();
    // Takes the next tile of job `gen`; false when the job has none left or is over.
    bool take(std::uint32_t gen, std::uint32_t& k);

    // The job word: generation (bits 32–63), number of tiles (16–31) and the next tile to take
    // (0–15). The tile count travels with the generation, so a late helper can never read a newer
    // job's count against an older job's counter.
    alignas(128) std::atomic<std::uint64_t> job_{0};
    alignas(128) std::atomic<std::uint32_t> done_{0};  // tiles of the current job finished
    alignas(128) std::atomic<int> sleepers_{0};
    std::atomic<bool> stop_{false};
    const std::function<void(std::uint32_t)>* tile_ = nullptr;  // of the current job
    std::vector<std::thread> helpers_;
};

}  // namespace einet::plasticity::detail
