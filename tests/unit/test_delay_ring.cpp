// The delay ring's two delivery kinds (einet/engine/delay_ring.hpp): event lists and the dense
// walk deliver the same values for any partition, and a checkpoint restore keeps what is pending.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "einet/engine/delay_ring.hpp"

namespace {

using einet::engine::detail::delay_ring;

// Random events (single adds and rows) into `slots` slots over `steps` steps; after each step the
// current slot is delivered into x (drain_add, and the generic drain into y), as the engine does.
struct replay {
    std::vector<double> x, y;
};

replay run(bool dense, std::vector<std::size_t> bounds, std::uint32_t seed) {
    const std::size_t n = 97, slots = 5, steps = 60;
    delay_ring ring(slots, n, dense), twin(slots, n, dense);
    ring.partition(bounds);
    twin.partition(bounds);
    replay out{std::vector<double>(n, 0.0), std::vector<double>(n, 0.0)};
    std::mt19937 gen(seed);
    std::uniform_int_distribution<std::uint32_t> target(0, n - 1), slot(0, slots - 1), count(0, 40);
    std::uniform_real_distribution<double> weight(-1.0, 1.0);
    std::vector<std::uint32_t> row_targets(n);
    std::vector<float> row_weights(n);
    for (std::size_t step = 0; step < steps; ++step) {
        const std::size_t now = step % slots;
        const std::size_t events = step % 7 == 3 ? 0 : count(gen);  // some steps bring nothing
        for (std::size_t e = 0; e < events; ++e) {
            const std::uint32_t t = target(gen);
            const std::size_t s = (now + slot(gen)) % slots;
            const double w = weight(gen);
            ring.add(s, ring.part_of(t), t, w);
            twin.add(s, twin.part_of(t), t, w);
        }
        // One row of sorted targets (each part writes its own stretch), as the write-out does.
        for (std::size_t k = 0; k < n; ++k) {
            row_targets[k] = static_cast<std::uint32_t>(k);
            row_weights[k] = static_cast<float>(weight(gen));
        }
        const std::size_t s = (now + 1) % slots;
        for (std::size_t part = 0; part + 1 < bounds.size(); ++part) {
            ring.writer(part).add_row(s, row_targets.data(), row_weights.data(), bounds[part], bounds[part + 1], -1.0);
            twin.writer(part).add_row(s, row_targets.data(), row_weights.data(), bounds[part], bounds[part + 1], -1.0);
        }
        for (std::size_t part = 0; part + 1 < bounds.size(); ++part) {
            ring.drain_add(now, part, out.x.data(), 0.5);
            twin.drain(now, part, [&](std::uint32_t i, double v) { out.y[i] += 0.5 * v; });
        }
        if (step == steps / 2) {  // a checkpoint restore in the middle keeps the pending input
            const std::vector<double> pending = ring.values();
            ring.assign(pending);
        }
    }
    return out;
}

}  // namespace

TEST(delay_ring, dense_and_list_delivery_give_the_same_values_for_any_partition) {
    for (std::uint32_t seed : {1u, 2u, 3u}) {
        const replay lists = run(false, {0, 97}, seed);
        EXPECT_NE(lists.x, std::vector<double>(97, 0.0));
        EXPECT_EQ(lists.x, lists.y);  // drain_add == the generic drain
        for (const auto& bounds : {std::vector<std::size_t>{0, 97}, std::vector<std::size_t>{0, 48, 97},
                                   std::vector<std::size_t>{0, 16, 32, 97}}) {
            const replay dense = run(true, bounds, seed), split_lists = run(false, bounds, seed);
            EXPECT_EQ(dense.x, lists.x) << "seed " << seed << ", parts " << bounds.size() - 1;
            EXPECT_EQ(dense.y, lists.x);
            EXPECT_EQ(split_lists.x, lists.x);
        }
    }
}

TEST(delay_ring, a_dense_ring_skips_the_walk_when_nothing_arrived) {
    delay_ring ring(3, 8, true);
    std::size_t calls = 0;
    ring.drain(0, 0, [&](std::uint32_t, double) { ++calls; });
    EXPECT_EQ(calls, 0u);
    ring.add(0, 0, 5, 2.0);
    std::vector<double> seen(8, -1.0);
    ring.drain(0, 0, [&](std::uint32_t i, double v) { seen[i] = v; });
    EXPECT_EQ(seen, (std::vector<double>{0, 0, 0, 0, 0, 2.0, 0, 0}));
    ring.drain(0, 0, [&](std::uint32_t, double) { ++calls; });  // cleared by the first drain
    EXPECT_EQ(calls, 0u);
}
