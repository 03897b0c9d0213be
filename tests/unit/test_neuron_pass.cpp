// The neuron pass's two implementations (AVX-512 intrinsics, walking its range upwards or top-down,
// and the portable loop) give the same numbers and ascending ids bit for bit, for every variant and
// both real types (double: 8 lanes, float: 16 lanes), on states with frozen, firing and silent neurons; and
// the refractory stamps compare correctly across the 2^32 wrap of the step counter.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <tuple>
#include <vector>

#include "../../src/engine/neuron_pass.hpp"  // internal to engine/: the pass and its stamps

namespace {

using namespace einet::engine::detail;

// One population's arrays for a pass over [i0, n), in real type T.
template <class T>
struct pass_state {
    std::size_t n;
    std::vector<T> V, decay, drive, th, reset, v_amp, v_xi, jump;
    std::vector<step_count> ref_steps;
    std::vector<step_stamp> until;
    std::vector<std::uint32_t> ids;
    std::vector<std::uint64_t> scratch;
    std::vector<std::vector<T>> x, to_v, xi, v_from_x;
    std::vector<T> zeros;

    pass_state(std::size_t n_, std::size_t K, bool uniform, std::uint64_t step, std::mt19937_64& rng) : n(n_) {
        std::uniform_real_distribution<double> u(0.0, 1.0);
        auto fill = [&](double lo, double hi) {
            std::vector<T> v(n);
            const T c = static_cast<T>(lo + (hi - lo) * u(rng));
            for (auto& e : v) e = uniform ? c : static_cast<T>(lo + (hi - lo) * u(rng));
            return v;
        };
        V.resize(n);  // threshold −50: about a quarter start above it
        for (auto& v : V) v = static_cast<T>(-65.0 + 20.0 * u(rng));
        decay = fill(0.9, 0.999);
        drive = fill(-55.0, -45.0);
        th = fill(-50.0, -50.0);
        for (std::size_t i = 0; i < n; i += 7) V[i] = th[i];  // exactly at threshold: strict or not matters
        reset = fill(-60.0, -58.0);
        v_amp = fill(0.1, 1.0);
        v_xi.resize(n);
        for (auto& v : v_xi) v = static_cast<T>(-2.0 + 4.0 * u(rng));
        jump = fill(0.5, 1.5);
        ref_steps.assign(n, uniform ? 3 : 0);
        if (!uniform) {
            for (auto& r : ref_steps) r = static_cast<step_count>(rng() % 5) - 1;  // −1 … 3
        }
        until.resize(n);
        for (auto& t : until) t = static_cast<step_stamp>(step + (rng() % 7)) - 3;  // frozen or not
        ids.assign(n, 0);
        zeros.assign(n, T(0));
        scratch.assign(n, 0);
        for (std::size_t k = 0; k < K; ++k) {
            std::vector<T> xk(n);
            for (auto& e : xk) e = static_cast<T>(-3.0 + 6.0 * u(rng));
            x.push_back(xk);
            to_v.push_back(fill(0.01, 0.2));
            std::vector<T> nk(n);
            for (auto& e : nk) e = static_cast<T>(-2.0 + 4.0 * u(rng));
            xi.push_back(nk);
            v_from_x.push_back(fill(0.001, 0.05));
        }
    }

    pass_view_t<T> view(std::size_t K, std::uint64_t step, bool noise, bool adapt, bool uniform, bool strict, bool defer, bool keep_v,
                        bool clamp) {
        pass_view_t<T> w{};
        w.V = V.data();
        w.frozen_until = until.data();
        w.step = step;
        w.decay = decay.data();
        w.drive = drive.data();
        w.th = th.data();
        w.reset = reset.data();
        w.v_amp = v_amp.data();
        w.v_xi = v_xi.data();
        w.jump = jump.data();
        w.ref_steps = ref_steps.data();
        w.ids = ids.data();
        w.scratch = scratch.data();
        for (std::size_t k = 0; k < K; ++k) {
            w.x[k] = x[k].data();
            w.to_v[k] = to_v[k].data();
            w.xi[k] = xi[k].data();
            w.v_from_x[k] = v_from_x[k].data();
            w.x_decay[k] = static_cast<T>(0.9 + 0.01 * static_cast<double>(k));
            w.x_feed[k] = static_cast<T>(k == 1 ? 0.05 : 0.0);  // channel 1 fed by channel 0 (a biexponential s), channel 2 not
            w.x_amp[k] = static_cast<T>(0.3);
            w.channel_noise[k] = k != 1;  // channel 1 noiseless, as the engine hands it over: zeros
            if (k == 1) {
                w.x_amp[k] = T(0);
                w.xi[k] = w.v_from_x[k] = zeros.data();
            }
        }
        w.channels = K;
        std::tie(w.noise, w.adapt, w.uniform, w.strict, w.defer, w.keep_v, w.clamp_to_th) =
            std::tuple{noise, adapt, uniform, strict, defer, keep_v, clamp};
        return w;
    }
};

template <class T>
void passes_agree_bit_for_bit() {
    std::mt19937_64 rng(7);
    int variants = 0;
    std::uint32_t fired = 0;
    for (std::size_t K : {0, 1, 2, 3}) {
        for (int bits = 0; bits < 128; ++bits) {
            const bool noise = bits & 1, adapt = (bits & 2) && K > 0, uniform = bits & 4, strict = bits & 8, defer = bits & 16;
            const bool keep_v = bits & 32, clamp = bits & 64;
            // Step near the 2^32 wrap in half of the variants; range starts at 16, ends off a multiple of 8.
            const std::uint64_t step = (bits % 2 == 0) ? 1000 : (std::uint64_t{1} << 32) - 2;
            // Range from 16, ending off a multiple of the lane count (8 double, 16 float lanes).
            const std::size_t n = 16 + 61, i0 = 16;
            pass_state<T> a(n, K, uniform, step, rng);
            pass_state b = a, c = a;
            const auto ra = neuron_pass(a.view(K, step, noise, adapt, uniform, strict, defer, keep_v, clamp), i0, n);
            const auto rb = neuron_pass_portable(b.view(K, step, noise, adapt, uniform, strict, defer, keep_v, clamp), i0, n);
            auto down = c.view(K, step, noise, adapt, uniform, strict, defer, keep_v, clamp);
            down.descending = true;  // a worker with a neighbour above walks its range top-down
            const auto rc = neuron_pass(down, i0, n);
            SCOPED_TRACE("K " + std::to_string(K) + " bits " + std::to_string(bits));
            ASSERT_EQ(rc.crossings, rb.crossings);
            EXPECT_EQ(rc.finite, rb.finite);
            EXPECT_EQ(std::vector<std::uint32_t>(c.ids.begin(), c.ids.begin() + rc.crossings),
                      std::vector<std::uint32_t>(b.ids.begin(), b.ids.begin() + rb.crossings));  // ascending ids
            EXPECT_EQ(c.V, b.V);
            EXPECT_EQ(c.until, b.until);
            EXPECT_EQ(c.x, b.x);
            ASSERT_EQ(ra.crossings, rb.crossings);
            EXPECT_EQ(ra.finite, rb.finite);
            EXPECT_EQ(std::vector<std::uint32_t>(a.ids.begin(), a.ids.begin() + ra.crossings),
                      std::vector<std::uint32_t>(b.ids.begin(), b.ids.begin() + rb.crossings));
            EXPECT_EQ(a.V, b.V);  // == on doubles: bit for bit up to the sign of zero
            EXPECT_EQ(a.until, b.until);
            EXPECT_EQ(a.x, b.x);
            fired += ra.crossings;
            ++variants;
        }
    }
    EXPECT_EQ(variants, 4 * 128);
    EXPECT_GT(fired, 1000u);  // the comparison saw many crossings, not only silent steps
}

TEST(neuron_pass, avx512_and_portable_passes_agree_bit_for_bit) {
    if (!neuron_pass_has_avx512()) GTEST_SKIP() << "this build has no AVX-512 pass (the portable one is the only one)";
    passes_agree_bit_for_bit<double>();
}

TEST(neuron_pass, float32_avx512_and_portable_passes_agree_bit_for_bit) {
    if (!neuron_pass_has_avx512()) GTEST_SKIP() << "this build has no AVX-512 pass (the portable one is the only one)";
    passes_agree_bit_for_bit<float>();
}

TEST(neuron_pass, float32_pass_follows_the_float64_pass_to_float_rounding) {
    // The same step in float and in double from the same (float-representable) state: V and the
    // channels agree to a few float ulps of their magnitude; crossings agree except where V lies
    // within that rounding of the threshold.
    std::mt19937_64 rng(11);
    for (std::size_t K : {0, 1, 2, 3}) {
        const std::uint64_t step = 1000;
        const std::size_t n = 16 + 61, i0 = 16;
        pass_state<float> f(n, K, false, step, rng);
        pass_state<double> d(n, K, false, step, rng);  // overwritten with f's values below
        auto widen = [](const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); };
        d.V = widen(f.V), d.decay = widen(f.decay), d.drive = widen(f.drive), d.th = widen(f.th), d.reset = widen(f.reset);
        d.v_amp = widen(f.v_amp), d.v_xi = widen(f.v_xi), d.jump = widen(f.jump);
        d.ref_steps = f.ref_steps, d.until = f.until;
        for (std::size_t k = 0; k < K; ++k) {
            d.x[k] = widen(f.x[k]), d.to_v[k] = widen(f.to_v[k]), d.xi[k] = widen(f.xi[k]), d.v_from_x[k] = widen(f.v_from_x[k]);
        }
        const auto rf = neuron_pass(f.view(K, step, true, K > 0, false, false, false, false, false), i0, n);
        auto vd = d.view(K, step, true, K > 0, false, false, false, false, false);
        for (std::size_t k = 0; k < K; ++k) {  // the coefficients the float view rounded
            vd.x_decay[k] = static_cast<float>(vd.x_decay[k]), vd.x_feed[k] = static_cast<float>(vd.x_feed[k]);
        }
        const auto rd = neuron_pass(vd, i0, n);
        EXPECT_NEAR(static_cast<double>(rf.crossings), static_cast<double>(rd.crossings), 1.0);
        for (std::size_t i = i0; i < n; ++i) {
            if (d.until[i] != f.until[i]) continue;  // fired in one precision only (V at the threshold)
            EXPECT_NEAR(f.V[i], d.V[i], 1e-5 * 65.0) << i;
            for (std::size_t k = 0; k < K; ++k) EXPECT_NEAR(f.x[k][i], d.x[k][i], 1e-5 * 3.0) << i;
        }
    }
}

TEST(neuron_pass, refractory_stamps_hold_the_right_steps_across_the_wrap) {
    for (std::uint64_t n : {std::uint64_t{5}, (std::uint64_t{1} << 32) - 2, std::uint64_t{1} << 33}) {
        const step_stamp s = stamp_after_spike(n, 3);  // fired in the pass of n: frozen in n+1 … n+3
        EXPECT_FALSE(frozen_at(s, n + 4));
        for (std::uint64_t m = n + 1; m <= n + 3; ++m) EXPECT_TRUE(frozen_at(s, m));
        EXPECT_FALSE(frozen_at(stamp_after_spike(n, -1), n + 1));  // t_ref rounds to 0: never frozen
        EXPECT_FALSE(frozen_at(stamp_after_spike(n, 0), n + 1));
        EXPECT_TRUE(frozen_at(stamp_after_spike(n, 0), n));  // closed to delta input in its own step
    }
    // A stamp left behind by 2^31 steps would read as frozen; the refresh moves it up first.
    std::vector<step_stamp> until = {0, 100, 5000};
    const std::uint64_t now = 1000;
    refresh_frozen_until(until.data(), 0, until.size(), now);
    EXPECT_EQ(until, (std::vector<step_stamp>{1000, 1000, 5000}));
    EXPECT_FALSE(frozen_at(until[0], now + (std::uint64_t{1} << 31) - 1));
}

}  // namespace
