// Spike-train statistics against closed forms, and the spike recorder against the SONATA reader.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <unistd.h>

#include "einet/analysis/spike_statistics.hpp"
#include "einet/core/error.hpp"
#include "einet/core/rng.hpp"
#include "einet/io/sonata.hpp"
#include "einet/record/spike_recorder.hpp"

using namespace einet;

namespace {
struct trains {
    std::vector<double> t;
    std::vector<std::uint64_t> id;
    analysis::spike_train_view view(std::size_t n) const { return {t.data(), id.data(), t.size(), n}; }
};

// Gamma(k)-renewal trains with rate r (Hz) for n neurons over T ms: CV = 1/sqrt(k), Fano -> 1/k.
trains gamma_trains(std::size_t n, int k, double rate_hz, double T_ms, std::uint64_t seed) {
    trains s;
    for (std::size_t i = 0; i < n; ++i) {
        double t = 0;
        for (std::uint64_t draw = 0;; ++draw) {
            double isi = 0;
            for (int j = 0; j < k; ++j) {
                const auto u = rng::philox(seed, rng::purpose::input_events, static_cast<std::uint32_t>(i), draw * 16 + j);
                isi += -std::log(rng::uniform_open(u[0])) / (rate_hz * 1e-3 * k);
            }
            t += isi;
            if (t >= T_ms) break;
            s.t.push_back(t);
            s.id.push_back(i);
        }
    }
    return s;
}
}  // namespace

TEST(spike_statistics, regular_train_has_rate_one_over_period_and_cv_zero) {
    trains s;
    for (int k = 1; k <= 100; ++k) {
        s.t.push_back(10.0 * k);
        s.id.push_back(0);
    }
    const auto v = s.view(2);
    EXPECT_NEAR(analysis::rates_hz(v, 0.0, 1000.0)[0], 99.0, 1e-12);  // t = 1000 is excluded
    EXPECT_EQ(analysis::rates_hz(v, 0.0, 1000.0)[1], 0.0);
    EXPECT_NEAR(analysis::cv_isi(v)[0], 0.0, 1e-12);
    EXPECT_TRUE(std::isnan(analysis::cv_isi(v)[1]));
    EXPECT_NEAR(analysis::mean_finite(analysis::cv_isi(v)), 0.0, 1e-12);
}

TEST(spike_statistics, gamma_renewal_trains_have_the_closed_form_cv_and_fano) {
    for (int k : {1, 4}) {
        const auto s = gamma_trains(200, k, 20.0, 100000.0, 7);
        const auto v = s.view(200);
        EXPECT_NEAR(analysis::mean_finite(analysis::rates_hz(v, 0.0, 100000.0)), 20.0, 0.3);
        EXPECT_NEAR(analysis::mean_finite(analysis::cv_isi(v)), 1.0 / std::sqrt(k), 0.02) << "k = " << k;
        EXPECT_NEAR(analysis::mean_finite(analysis::fano_factor(v, 0.0, 100000.0, 1000.0)), 1.0 / k, 0.06) << "k = " << k;
        const auto binned = analysis::binned_rate_hz(v, 0.0, 100000.0, 100.0);
        double total = 0;
        for (double r : binned) total += r * 0.1 * 200;
        EXPECT_NEAR(total, static_cast<double>(s.t.size()), 1e-6);
    }
}

TEST(spike_statistics, bad_ids_and_windows_are_errors) {
    trains s{{1.0}, {5}};
    EXPECT_THROW(analysis::rates_hz(s.view(3), 0, 10), config_error);
    trains ok{{1.0}, {0}};
    EXPECT_THROW(analysis::fano_factor(ok.view(1), 0, 10, 20), config_error);
    EXPECT_THROW(analysis::binned_rate_hz(ok.view(1), 10, 0, 1), config_error);
}

TEST(spike_recorder, memory_and_sonata_file_hold_the_same_spikes) {
    network::spiking_network net;
    net.dt = 0.1;
    auto p = network::spiking_population::uniform("E", 50, true, 20.0, 0.0, 20.0, 10.0, 2.0, 1.0, 0.0);
    for (std::size_t i = 0; i < p.n; ++i) p.lif.I_e[i] = 21.0 + 0.2 * static_cast<double>(i);
    net.populations.push_back(p);
    engine::spiking_engine eng(net, 1);
    const auto file = std::filesystem::temp_directory_path() /
                      ("einet_spike_recorder_test_" + std::to_string(::getpid()) + ".h5");
    record::spike_recorder rec(eng, file);
    eng.run(5000, &rec, 2);
    rec.close();
    ASSERT_GT(rec.times(0).size(), 100u);
    const auto back = io::read_sonata_spikes(file);
    ASSERT_EQ(back.count("E"), 1u);
    EXPECT_EQ(back.at("E").t_ms, rec.times(0));
    EXPECT_EQ(back.at("E").node_ids, rec.ids(0));
    // Deterministic neurons with constant input fire regularly: every ISI equal to within a step.
    const auto cv = analysis::cv_isi(rec.view(0));
    EXPECT_LT(analysis::mean_finite(cv), 0.01);
    std::filesystem::remove(file);
}
