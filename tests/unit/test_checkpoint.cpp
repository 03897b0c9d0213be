// Checkpoints: the directory format round-trips and is replaced atomically; a run of N + M steps
// equals N steps → checkpoint on disk → fresh engine and recorders → restore → M steps, bit for
// bit, with receptor and membrane noise on (N not a multiple of the 4-step noise blocks); a
// checkpoint of another network or seed is refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <unistd.h>
#include <vector>

#include "einet/core/error.hpp"
#include "einet/io/checkpoint.hpp"
#include "einet/io/sonata.hpp"
#include "einet/record/engine_checkpoint.hpp"
#include "einet/record/hook_list.hpp"
#include "einet/record/rate_guard.hpp"
#include "einet/record/rate_recorder.hpp"
#include "einet/record/spike_recorder.hpp"
#include "einet/record/trace_recorder.hpp"
#include "spiking_test_networks.hpp"

using namespace einet;
namespace fs = std::filesystem;

namespace {

fs::path scratch_dir(const std::string& name) {
    auto d = fs::temp_directory_path() / ("einet_checkpoint_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST(checkpoint_io, fields_and_arrays_round_trip_and_a_checkpoint_is_replaced_whole) {
    const auto dir = scratch_dir("io");
    const auto ck = dir / "ck";
    io::checkpoint_data d;
    d.fields = {{"step", "1234"}, {"note", "quote \" backslash \\ newline \n tab \t"}};
    d.arrays = {{"engine/V", {1.5, -2.25, 1e-300}}, {"odd name %/ü", {}}, {"n", {42}}};
    io::write_checkpoint(ck, d);
    auto r = io::read_checkpoint(ck);
    EXPECT_EQ(r.fields, d.fields);
    ASSERT_EQ(r.arrays.size(), 3u);
    for (const auto& a : d.arrays) {
        bool found = false;
        for (const auto& b : r.arrays) found = found || (a.name == b.name && a.values == b.values);
        EXPECT_TRUE(found) << a.name;
    }

    d.arrays = {{"only", {7}}};
    io::write_checkpoint(ck, d);  // replaces the previous checkpoint
    r = io::read_checkpoint(ck);
    ASSERT_EQ(r.arrays.size(), 1u);
    EXPECT_EQ(r.arrays[0].values, std::vector<double>{7});
    for (const auto& e : fs::directory_iterator(dir)) EXPECT_EQ(e.path().filename(), "ck");  // no leftovers

    fs::create_directories(dir / "mine");
    EXPECT_NE(error_of([&] { io::write_checkpoint(dir / "mine", d); }).find("is not a checkpoint"), std::string::npos);
    EXPECT_NE(error_of([&] { io::read_checkpoint(dir / "mine"); }).find("no header.json"), std::string::npos);
    d.fields = {{"format", "x"}};
    EXPECT_THROW(io::write_checkpoint(ck, d), internal_error);
    fs::remove_all(dir);
}

namespace {

// Everything a run produces that a resume must reproduce.
struct run_result {
    std::vector<std::vector<double>> spike_t, V;
    std::vector<std::vector<std::uint64_t>> spike_id;
    std::vector<double> trace_V, trace_I;
    std::vector<std::uint64_t> counts;
    std::map<std::string, io::spike_train_set> file;
};

struct recorders {
    record::spike_recorder spikes;
    record::trace_recorder traces;
    record::rate_recorder rates;
    record::rate_guard guard;
    record::hook_list hooks{&spikes, &traces, &rates, &guard};
    recorders(const engine::spiking_engine& eng, const fs::path& file)
        : spikes(eng, file), traces(eng, {{"E", {0, 5, 79}, {"V", "I_E"}}}, 3), rates(eng, 10), guard(eng) {}
    std::vector<record::checkpoint_part> parts() {
        return {{"spikes", &spikes}, {"traces", &traces}, {"rates", &rates}, {"guard", &guard}};
    }
    run_result finish(const engine::spiking_engine& eng, const fs::path& file) {
        spikes.close();
        run_result r;
        for (std::size_t p = 0; p < 2; ++p) {
            r.spike_t.push_back(spikes.times(p));
            r.spike_id.push_back(spikes.ids(p));
            r.V.emplace_back(eng.V(p), eng.V(p) + eng.network().populations[p].n);
        }
        r.trace_V = traces.trace("E", "V");
        r.trace_I = traces.trace("E", "I_E");
        r.counts = rates.counts(0);
        r.file = io::read_sonata_spikes(file);
        return r;
    }
};

}  // namespace

TEST(checkpoint, resumed_run_is_bit_identical_to_an_uninterrupted_one) {
    const auto dir = scratch_dir("resume");
    const std::size_t N = 1003, M = 998;  // N is not a multiple of the 4-step noise blocks
    const auto net = einet_test::noisy_ei_network();
    ASSERT_GT(net.populations[0].receptors[0].noise_sigma, 0.0);
    ASSERT_TRUE(net.populations[0].membrane_noise());

    run_result whole;
    {
        engine::spiking_engine eng(net, 11);
        eng.set_min_neurons_per_thread(16);  // two threads really split the network
        recorders rec(eng, dir / "whole.h5");
        eng.run(N + M, &rec.hooks, 2);
        whole = rec.finish(eng, dir / "whole.h5");
    }
    {
        engine::spiking_engine eng(net, 11);
        recorders rec(eng, dir / "first.h5");
        eng.run(N, &rec.hooks, 1);
        record::save_checkpoint(dir / "ck", eng, rec.parts());
    }  // the first process "dies" here; its spike file is finalised but not used
    run_result resumed;
    {
        engine::spiking_engine eng(net, 11);
        recorders rec(eng, dir / "resumed.h5");
        record::restore_checkpoint(dir / "ck", eng, rec.parts());
        EXPECT_EQ(eng.step(), N);
        eng.run(M, &rec.hooks, 1);
        resumed = rec.finish(eng, dir / "resumed.h5");
    }
    ASSERT_GT(whole.spike_t[0].size(), 200u);  // active, with spikes on both sides of the checkpoint
    EXPECT_LT(whole.spike_t[0].front(), 0.1 * N);
    EXPECT_GT(whole.spike_t[0].back(), 0.1 * N);
    for (std::size_t p = 0; p < 2; ++p) {
        EXPECT_EQ(resumed.spike_t[p], whole.spike_t[p]) << "population " << p;
        EXPECT_EQ(resumed.spike_id[p], whole.spike_id[p]) << "population " << p;
        EXPECT_EQ(resumed.V[p], whole.V[p]) << "population " << p;
    }
    EXPECT_EQ(resumed.trace_V, whole.trace_V);
    EXPECT_EQ(resumed.trace_I, whole.trace_I);
    EXPECT_EQ(resumed.counts, whole.counts);
    for (const char* pop : {"E", "I"}) {
        EXPECT_EQ(resumed.file.at(pop).t_ms, whole.file.at(pop).t_ms) << pop;
        EXPECT_EQ(resumed.file.at(pop).node_ids, whole.file.at(pop).node_ids) << pop;
    }
    fs::remove_all(dir);
}

TEST(checkpoint, restoring_in_the_same_process_truncates_the_spike_file_to_the_checkpoint) {
    const auto dir = scratch_dir("rollback");
    const auto net = einet_test::noisy_ei_network();
    engine::spiking_engine eng(net, 5);
    record::spike_recorder spikes(eng, dir / "spikes.h5");
    eng.run(501, &spikes, 1);
    record::save_checkpoint(dir / "ck", eng, {{"spikes", &spikes}});
    const auto at_checkpoint = spikes.times(0);
    eng.run(700, &spikes, 1);  // a stretch that will be thrown away
    ASSERT_GT(spikes.times(0).size(), at_checkpoint.size());
    record::restore_checkpoint(dir / "ck", eng, {{"spikes", &spikes}});
    EXPECT_EQ(spikes.times(0), at_checkpoint);
    eng.run(300, &spikes, 1);
    spikes.close();
    const auto file = io::read_sonata_spikes(dir / "spikes.h5");
    EXPECT_EQ(file.at("E").t_ms, spikes.times(0));
    EXPECT_EQ(file.at("I").node_ids, spikes.ids(1));
    fs::remove_all(dir);
}

TEST(checkpoint, another_network_seed_or_missing_part_is_refused_with_what_differs) {
    const auto dir = scratch_dir("refuse");
    engine::spiking_engine eng(einet_test::noisy_ei_network(), 5);
    record::rate_recorder rates(eng, 10);
    eng.run(20, &rates, 1);
    record::save_checkpoint(dir / "ck", eng);

    engine::spiking_engine other_seed(einet_test::noisy_ei_network(), 6);
    const auto seed_msg = error_of([&] { record::restore_checkpoint(dir / "ck", other_seed); });
    EXPECT_NE(seed_msg.find("written with seed 5, this run has seed 6"), std::string::npos) << seed_msg;

    engine::spiking_engine other_net(einet_test::noisy_ei_network(80, 21), 5);
    const auto net_msg = error_of([&] { record::restore_checkpoint(dir / "ck", other_net); });
    EXPECT_NE(net_msg.find("different network"), std::string::npos) << net_msg;
    EXPECT_NE(net_msg.find("checkpoint: E 80, I 20;"), std::string::npos) << net_msg;
    EXPECT_NE(net_msg.find("this run: E 80, I 21;"), std::string::npos) << net_msg;

    engine::spiking_engine same(einet_test::noisy_ei_network(), 5);
    record::rate_recorder fresh(same, 10);
    const auto part_msg = error_of([&] { record::restore_checkpoint(dir / "ck", same, {{"rates", &fresh}}); });
    EXPECT_NE(part_msg.find("has no state for 'rates'"), std::string::npos) << part_msg;
    EXPECT_EQ(error_of([&] { record::restore_checkpoint(dir / "ck", same); }), "no error");
    EXPECT_EQ(same.step(), 20u);
    fs::remove_all(dir);
}
