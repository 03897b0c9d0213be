// Spec §4.4: the complete witnessed spike dictionary by exact enumeration, checked against brute
// force (every enumerated column is produced by its witness network; no random network produces a
// column outside it) and as the convex oracle (its optimum lower-bounds sampled dictionaries).
#include <gtest/gtest.h>

#include <set>

#include "einet/core/error.hpp"
#include "einet/core/rng.hpp"
#include "einet/train/snn_complete_dictionary.hpp"

using namespace einet::train;

namespace {

sequence_data gaussian_data(std::size_t T, std::size_t n, std::size_t d, std::uint64_t seed) {
    sequence_data s;
    s.steps = T;
    s.x.resize(static_cast<Eigen::Index>(T * n), static_cast<Eigen::Index>(d));
    for (Eigen::Index i = 0; i < s.x.size(); ++i)
        s.x.data()[i] = einet::rng::normals4(seed, einet::rng::purpose::dataset, 3, static_cast<std::uint64_t>(i))[0];
    for (std::size_t i = 0; i < n; ++i) s.labels.push_back(static_cast<int>((i * 7 + seed) % 3 == 0));
    return s;
}

snn_shape shape_of(std::size_t d, std::size_t K, std::size_t L, std::size_t p_rec, std::size_t p_last) {
    snn_shape sh;
    sh.inputs = d, sh.branches = K, sh.depth = L, sh.p_rec = p_rec, sh.p_last = p_last, sh.outputs = 1;
    return sh;
}

std::vector<char> column(const matrix& F, Eigen::Index j, std::size_t first) {
    std::vector<char> c;
    for (Eigen::Index r = static_cast<Eigen::Index>(first); r < F.rows(); ++r) c.push_back(static_cast<char>(F(r, j)));
    return c;
}

std::set<std::vector<char>> columns_of(const dictionary& D) {
    std::set<std::vector<char>> s;
    for (Eigen::Index j = 0; j < D.cols(); ++j) s.insert(column(D, j, 0));
    return s;
}

// Gaussian witness networks of many scales (σ·N(0,1) for every hidden weight): the final-layer
// spike columns they produce on `data`.
std::set<std::vector<char>> sampled_columns(const snn_shape& sh, const snn_options& opt, supervision sup,
                                            const sequence_data& data, int draws) {
    std::set<std::vector<char>> out;
    for (int k = 0; k < draws; ++k) {
        snn_params p(sh);
        init_gaussian_witness(p, 1000 + static_cast<std::uint64_t>(k));
        const double sigma = std::pow(10.0, -1.0 + 2.5 * (k % 11) / 10.0);  // 0.1 … 31.6
        for (std::size_t i = 0; i < p.readout_offset(); ++i) p.flat()[i] *= sigma;
        snn_trace tr;
        snn_forward(p, opt, data.x, data.steps, tr);
        const std::size_t first = sup == supervision::final_time ? (data.steps - 1) * data.samples() : 0;
        for (Eigen::Index j = 0; j < tr.features.cols(); ++j) out.insert(column(tr.features, j, first));
    }
    return out;
}

}  // namespace

TEST(CompleteDictionary, EveryTrajectoryOfOneNeuronIsRealisedByItsWitnessAndNoneIsMissed) {
    const auto data = gaussian_data(3, 5, 2, 1);
    for (const auto& lif : {lif_params::canonical(), lif_params::reference()}) {
        snn_options opt;
        opt.lif = lif;
        const auto traj = enumerate_lif_neuron(data.x, data.steps, lif);
        std::set<std::vector<char>> found;
        for (const auto& tr : traj) {
            EXPECT_TRUE(found.insert(tr.spikes).second) << "trajectories are distinct";
            snn_params w(shape_of(2, 1, 2, 1, 1));
            w.hidden(0, 0) = tr.weights;
            snn_trace run;
            snn_forward(w, opt, data.x, data.steps, run);
            EXPECT_EQ(column(run.features, 0, 0), tr.spikes) << "the witness reproduces its trajectory";
        }
        // brute force: 200 × 64 random neurons over 4 decades of weight scale all land in the set
        const auto sampled = sampled_columns(shape_of(2, 1, 2, 1, 64), opt, supervision::per_timestep, data, 200);
        for (const auto& c : sampled) EXPECT_TRUE(found.count(c)) << "a random neuron left the enumerated set";
        EXPECT_GT(traj.size(), 8u);
        EXPECT_GE(sampled.size(), traj.size() / 2) << "random weights reach most cells";
    }
}

TEST(CompleteDictionary, DeepNetworkColumnsAreWitnessedAndContainEverySampledColumn) {
    struct deep_case {
        std::size_t T, n, L, p_rec;
    };
    snn_options opt;  // canonical LIF, spike readout
    // (T, n, L, P_rec) with K = 2: inner widths 1 (depth 3 and 4) and 2 (depth 3)
    for (const auto c : {deep_case{3, 4, 3, 2}, deep_case{2, 3, 4, 2}, deep_case{2, 3, 3, 4}})
        for (auto sup : {supervision::final_time, supervision::per_timestep}) {
            const auto data = gaussian_data(c.T, c.n, 2, 2);
            const auto sh = shape_of(2, 2, c.L, c.p_rec, 4);
            const auto cd = enumerate_complete_dictionary(sh, opt, sup, data);
            ASSERT_EQ(cd.witness.size(), static_cast<std::size_t>(cd.D.cols()));
            EXPECT_GT(cd.inner_states, 1u);
            const std::size_t first = sup == supervision::final_time ? (data.steps - 1) * data.samples() : 0;
            for (Eigen::Index j = 0; j < cd.D.cols(); ++j) {
                snn_trace run;
                snn_forward(cd.witness[static_cast<std::size_t>(j)], opt, data.x, data.steps, run);
                EXPECT_EQ(column(run.features, 0, first), column(cd.D, j, 0)) << "column " << j;
            }
            const auto all = columns_of(cd.D);
            EXPECT_EQ(all.size(), static_cast<std::size_t>(cd.D.cols()));
            for (const auto& col : sampled_columns(sh, opt, sup, data, 300)) EXPECT_TRUE(all.count(col));
            if (c.p_rec == 2 && sup == supervision::per_timestep)  // width 1 cannot realise every binary column
                EXPECT_LT(cd.D.cols(), Eigen::Index{1} << cd.D.rows());
        }
}

// Spec §4.4 oracle: the complete dictionary contains every sampled column, so its convex optimum
// is ≤ the optimum over any sampled (Gaussian-witness) dictionary on the same data, and ≥ the
// optimum over all of {0,1}^n (every spike column is binary).
TEST(CompleteDictionary, ConvexOptimumLiesBetweenAllBinaryColumnsAndSampledDictionaries) {
    const auto data = gaussian_data(3, 6, 2, 3);
    snn_options opt;
    const auto sh = shape_of(2, 1, 2, 1, 8);
    const auto cd = enumerate_complete_dictionary(sh, opt, supervision::final_time, data);
    const Eigen::Index n = 6;
    dictionary full(n, (1 << n) - 1);
    for (Eigen::Index m = 1; m < (1 << n); ++m)
        for (Eigen::Index i = 0; i < n; ++i) full(i, m - 1) = static_cast<double>((m >> i) & 1);
    for (auto loss : {loss_kind::hinge, loss_kind::squared}) {
        convex_problem pr;
        pr.loss = loss;
        pr.Y = targets_from_labels(loss_kind::hinge, data.labels, 2);
        pr.a = vector::Constant(n, 1.0 / n);
        pr.rho = 0.02;
        pr.D = &cd.D;
        const double complete = solve_convex(pr).primal;
        pr.D = &full;
        EXPECT_LE(solve_convex(pr).primal, complete + 1e-9);
        for (std::uint64_t seed = 0; seed < 6; ++seed) {
            snn_params w(sh);
            init_gaussian_witness(w, seed);
            const auto sampled = build_dictionary(w, opt, supervision::final_time, data);
            pr.D = &sampled.D;
            EXPECT_LE(complete, solve_convex(pr).primal + 1e-9) << "seed " << seed;
        }
    }
}

TEST(CompleteDictionary, RejectsNonSpikeReadoutsAndRunawayEnumerations) {
    const auto data = gaussian_data(4, 6, 2, 4);
    snn_options opt;
    opt.readout = readout_kind::membrane_threshold;
    EXPECT_THROW(enumerate_complete_dictionary(shape_of(2, 1, 2, 1, 1), opt, supervision::final_time, data),
                 einet::config_error);
    EXPECT_THROW(enumerate_lif_neuron(data.x, data.steps, lif_params::canonical(), 5), einet::config_error);
    // A wide inner layer: the guard fires while the subsets are visited, before C(|traj|, width)
    // index sets could be built (hundreds of trajectories choose 8 would not fit in memory).
    const auto wide = gaussian_data(4, 6, 2, 5);
    EXPECT_GT(enumerate_lif_neuron(wide.x, wide.steps, lif_params::canonical()).size(), 40u);
    EXPECT_THROW(enumerate_complete_dictionary(shape_of(2, 2, 3, 8, 4), snn_options{}, supervision::final_time, wide, 200),
                 einet::config_error);
}
