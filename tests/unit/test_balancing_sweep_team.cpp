// The helper threads of the balancing sweeps (src/plasticity/sweep_team): every tile of every job
// runs exactly once and its writes are visible when run() returns, whether the helpers spin, sleep
// between jobs, or never get to a tile; destruction wakes sleeping helpers.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "../../src/plasticity/sweep_team.hpp"  // internal to plasticity/

using einet::plasticity::detail::sweep_team;

TEST(balancing_sweep_team, every_tile_runs_once_per_job) {
    for (int threads : {1, 2, 3}) {
        sweep_team team(threads);
        std::vector<std::atomic<int>> runs(16);
        std::vector<long> value(16, 0);  // plain writes, read back after run()
        for (int job = 0; job < 3000; ++job) {
            const auto tiles = static_cast<std::uint32_t>(1 + job % 16);
            for (auto& r : runs) r.store(0);
            team.run(tiles, [&](std::uint32_t k) {
                runs[k].fetch_add(1, std::memory_order_relaxed);
                value[k] = job * 100 + static_cast<long>(k);
            });
            for (std::uint32_t k = 0; k < 16; ++k) {
                ASSERT_EQ(runs[k].load(), k < tiles ? 1 : 0) << "threads " << threads << " job " << job << " tile " << k;
                if (k < tiles) ASSERT_EQ(value[k], job * 100 + static_cast<long>(k));
            }
            // now and then let the helpers fall asleep (their spin budget is ≈ 0.1 ms)
            if (job % 500 == 499) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
}

TEST(balancing_sweep_team, destruction_wakes_sleeping_helpers) {
    sweep_team team(2);
    std::atomic<int> n{0};
    team.run(4, [&](std::uint32_t) { n.fetch_add(1); });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the helper sleeps now
    team.run(4, [&](std::uint32_t) { n.fetch_add(1); });
    EXPECT_EQ(n.load(), 8);
}  // the destructor must return (a hang here fails the test by timeout)
