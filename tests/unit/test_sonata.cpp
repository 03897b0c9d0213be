// SONATA spike files (include/einet/io/sonata.hpp): round trips, ordering checks, truncate for
// resume, atomic rename, and the exact HDF5 layout as h5py sees it.
#include <gtest/gtest.h>

#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "einet/core/error.hpp"
#include "einet/io/sonata.hpp"

namespace fs = std::filesystem;
using namespace einet::io;

namespace {

struct spikes {
    std::vector<double> t;
    std::vector<std::uint64_t> id;
    std::size_t size() const { return t.size(); }
};

// Sorted by (t, id), with ties in time, reproducible.
spikes make_spikes(std::size_t n, std::uint64_t n_nodes, unsigned seed) {
    std::mt19937_64 rng(seed);
    spikes s;
    double t = 0.0;
    std::uint64_t id = 0;
    for (std::size_t i = 0; i < n; ++i) {
        // A third of the spikes share the previous time (with a larger id); others advance by
        // a fraction of 0.1 ms that is not representable exactly.
        if (i > 0 && rng() % 3 == 0 && id + 1 < n_nodes) {
            id += 1 + rng() % (n_nodes - id - 1);
        } else {
            t += 0.1 * static_cast<double>(1 + rng() % 7) / 3.0;
            id = rng() % n_nodes;
        }
        s.t.push_back(t);
        s.id.push_back(id);
    }
    return s;
}

spikes slice(const spikes& s, std::size_t from, std::size_t to) {
    spikes out;
    out.t.assign(s.t.begin() + static_cast<std::ptrdiff_t>(from), s.t.begin() + static_cast<std::ptrdiff_t>(to));
    out.id.assign(s.id.begin() + static_cast<std::ptrdiff_t>(from), s.id.begin() + static_cast<std::ptrdiff_t>(to));
    return out;
}

// Appends in batches of random size (1 .. max_batch).
void append_in_batches(sonata_spike_writer& w, std::size_t pop, const spikes& s, std::size_t max_batch, unsigned seed) {
    std::mt19937 rng(seed);
    std::size_t i = 0;
    while (i < s.size()) {
        const std::size_t k = std::min(s.size() - i, 1 + static_cast<std::size_t>(rng() % max_batch));
        w.append(pop, s.t.data() + i, s.id.data() + i, k);
        i += k;
    }
}

void expect_equal(const spike_train_set& got, const spikes& want) {
    ASSERT_EQ(got.t_ms.size(), want.size());
    ASSERT_EQ(got.node_ids.size(), want.size());
    // Exact: the bits written are the bits read.
    EXPECT_TRUE(got.t_ms == want.t);
    EXPECT_TRUE(got.node_ids == want.id);
}

class sonata_test : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("einet-sonata-" + std::to_string(::getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    void TearDown() override {
        // No HDF5 handle outlives a writer or a read, errors included.
        EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0);
        fs::remove_all(dir);
    }

    static std::string slurp(const fs::path& p) {
        std::ifstream in(p, std::ios::binary);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    std::vector<std::string> listing() const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }

    // Runs a Python script with /usr/bin/python3; returns the exit status and the output.
    std::pair<int, std::string> python(const std::string& script, const std::string& args) const {
        const auto py = dir / "check.py";
        std::ofstream(py) << script;
        const std::string cmd = "/usr/bin/python3 " + py.string() + " " + args + " 2>&1";
        std::FILE* p = ::popen(cmd.c_str(), "r");
        if (!p) return {-1, "popen failed"};
        std::string out;
        std::array<char, 4096> buf{};
        std::size_t k = 0;
        while ((k = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), k);
        const int status = ::pclose(p);
        return {status, out};
    }
    static bool have_h5py() {
        return std::system("/usr/bin/python3 -c 'import h5py, numpy' >/dev/null 2>&1") == 0;
    }

    fs::path dir;
};

}  // namespace

TEST_F(sonata_test, round_trip_of_several_populations_including_an_empty_one) {
    const auto path = dir / "spikes.h5";
    const auto e = make_spikes(1000, 80, 1);
    const auto x = make_spikes(37, 5, 2);
    {
        sonata_spike_writer w(path, {"E", "I", "X"});
        append_in_batches(w, 0, e, 50, 3);
        append_in_batches(w, 2, x, 4, 4);
        EXPECT_EQ(w.count(0), e.size());
        EXPECT_EQ(w.count(1), 0u);
        EXPECT_EQ(w.count(2), x.size());
        w.close();
        EXPECT_EQ(w.count(0), e.size());  // still answers after close
    }
    const auto got = read_sonata_spikes(path);
    ASSERT_EQ(got.size(), 3u);
    expect_equal(got.at("E"), e);
    expect_equal(got.at("I"), spikes{});
    expect_equal(got.at("X"), x);
}

TEST_F(sonata_test, many_appends_beyond_a_chunk_round_trip_exactly) {
    const auto path = dir / "many.h5";
    const auto e = make_spikes(3 * sonata_chunk + 12345, 4000, 5);
    const auto i = make_spikes(sonata_chunk + 1, 1000, 6);
    {
        sonata_spike_writer w(path, {"E", "I"});
        // Interleave the populations the way a simulation does, one step at a time.
        std::size_t a = 0, b = 0;
        std::mt19937 rng(7);
        while (a < e.size() || b < i.size()) {
            const std::size_t ka = std::min(e.size() - a, static_cast<std::size_t>(rng() % 300));
            const std::size_t kb = std::min(i.size() - b, static_cast<std::size_t>(rng() % 100));
            w.append(0, e.t.data() + a, e.id.data() + a, ka);
            w.append(1, i.t.data() + b, i.id.data() + b, kb);
            a += ka;
            b += kb;
        }
        // One batch larger than the buffer.
        const auto big = make_spikes(2 * sonata_chunk + 3, 10, 8);
        spikes shifted = big;
        for (auto& t : shifted.t) t += e.t.back() + 1.0;
        w.append(0, shifted.t.data(), shifted.id.data(), shifted.size());
        EXPECT_EQ(w.count(0), e.size() + shifted.size());
        w.close();
        auto want = e;
        want.t.insert(want.t.end(), shifted.t.begin(), shifted.t.end());
        want.id.insert(want.id.end(), shifted.id.begin(), shifted.id.end());
        const auto got = read_sonata_spikes(path);
        expect_equal(got.at("E"), want);
        expect_equal(got.at("I"), i);
    }
}

TEST_F(sonata_test, out_of_order_append_throws_and_appends_nothing) {
    const auto path = dir / "order.h5";
    sonata_spike_writer w(path, {"E"});
    const double t[] = {1.0, 1.0, 2.0};
    const std::uint64_t id[] = {4, 7, 0};
    w.append(0, t, id, 3);

    const auto rejects = [&](double tt, std::uint64_t ii) {
        EXPECT_THROW(w.append(0, &tt, &ii, 1), einet::internal_error) << tt << " " << ii;
    };
    rejects(1.5, 9);  // earlier time
    rejects(2.0, 0);  // same (t, id) again
    rejects(std::nan(""), 1);
    rejects(std::numeric_limits<double>::infinity(), 1);
    // Disorder inside a batch, after a valid prefix: nothing of the batch is kept.
    const double bt[] = {3.0, 4.0, 4.0};
    const std::uint64_t bi[] = {1, 5, 5};
    EXPECT_THROW(w.append(0, bt, bi, 3), einet::internal_error);
    EXPECT_EQ(w.count(0), 3u);
    EXPECT_THROW(w.append(1, t, id, 1), einet::internal_error);  // no population 1
    EXPECT_THROW(w.count(1), einet::internal_error);

    // Equal time with a larger id, and a later time with a smaller id, are fine.
    const double ok_t[] = {2.0, 2.5};
    const std::uint64_t ok_id[] = {3, 0};
    w.append(0, ok_t, ok_id, 2);
    w.close();
    EXPECT_THROW(w.append(0, ok_t, ok_id, 1), einet::internal_error);
    const auto got = read_sonata_spikes(path).at("E");
    EXPECT_EQ(got.t_ms, (std::vector<double>{1.0, 1.0, 2.0, 2.0, 2.5}));
    EXPECT_EQ(got.node_ids, (std::vector<std::uint64_t>{4, 7, 0, 3, 0}));
}

TEST_F(sonata_test, invalid_population_names_are_rejected) {
    EXPECT_THROW(sonata_spike_writer(dir / "a.h5", {"E", "E"}), einet::internal_error);
    EXPECT_THROW(sonata_spike_writer(dir / "b.h5", {""}), einet::internal_error);
    EXPECT_THROW(sonata_spike_writer(dir / "c.h5", {"a/b"}), einet::internal_error);
    EXPECT_TRUE(listing().empty());
}

TEST_F(sonata_test, truncate_then_append_equals_writing_the_truncated_data_directly) {
    const auto e = make_spikes(2 * sonata_chunk + 5000, 500, 11);
    const auto i = make_spikes(900, 100, 12);
    // Checkpoint at spike counts that cut inside the written datasets (E, across a chunk
    // boundary) and inside the memory buffer (I).
    const std::size_t ne = sonata_chunk + 777, ni = 400;
    const auto e_keep = slice(e, 0, ne), i_keep = slice(i, 0, ni);
    // The resumed run produces different spikes after the checkpoint.
    auto e_more = make_spikes(sonata_chunk + 10, 500, 13);
    for (auto& t : e_more.t) t += e_keep.t.back();
    e_more.t[0] = e_keep.t.back();  // a tie with the last kept spike: broken by the id
    e_more.id[0] = e_keep.id.back() + 1;
    auto i_more = make_spikes(50, 100, 14);
    for (auto& t : i_more.t) t += i_keep.t.back() + 0.5;

    const auto resumed = dir / "resumed.h5", direct = dir / "direct.h5";
    {
        sonata_spike_writer w(resumed, {"E", "I"});
        append_in_batches(w, 0, e, 1000, 15);
        append_in_batches(w, 1, i, 10, 16);
        w.flush();
        EXPECT_THROW(w.truncate({e.size() + 1, 0}), einet::internal_error);
        EXPECT_THROW(w.truncate({0}), einet::internal_error);
        w.truncate({ne, ni});
        EXPECT_EQ(w.count(0), ne);
        EXPECT_EQ(w.count(1), ni);
        // The last kept spike (read back from the file for E) still orders later appends.
        const double t0 = e_keep.t.back();
        const std::uint64_t id0 = e_keep.id.back();
        EXPECT_THROW(w.append(0, &t0, &id0, 1), einet::internal_error);
        append_in_batches(w, 0, e_more, 3000, 17);
        append_in_batches(w, 1, i_more, 7, 18);
        w.close();
    }
    {
        sonata_spike_writer w(direct, {"E", "I"});
        append_in_batches(w, 0, e_keep, 5000, 19);
        append_in_batches(w, 0, e_more, 5000, 20);
        append_in_batches(w, 1, i_keep, 10, 21);
        append_in_batches(w, 1, i_more, 10, 22);
        w.close();
    }
    const auto a = read_sonata_spikes(resumed), b = read_sonata_spikes(direct);
    ASSERT_EQ(a.size(), 2u);
    ASSERT_EQ(b.size(), 2u);
    for (const auto& name : {"E", "I"}) {
        EXPECT_TRUE(a.at(name).t_ms == b.at(name).t_ms) << name;
        EXPECT_TRUE(a.at(name).node_ids == b.at(name).node_ids) << name;
    }
    EXPECT_EQ(a.at("E").t_ms.size(), ne + e_more.size());
    EXPECT_EQ(a.at("I").t_ms.size(), ni + i_more.size());

    // Truncating to nothing leaves empty datasets.
    const auto zero = dir / "zero.h5";
    {
        sonata_spike_writer w(zero, {"E"});
        append_in_batches(w, 0, e, 20000, 23);
        w.truncate({0});
        const double t = 0.0;
        const std::uint64_t id = 0;
        w.append(0, &t, &id, 1);  // any spike is in order again
        w.truncate({0});
    }
    expect_equal(read_sonata_spikes(zero).at("E"), spikes{});
}

TEST_F(sonata_test, close_renames_the_temporary_file_and_is_idempotent) {
    const auto path = dir / "out.h5";
    const auto e = make_spikes(100, 10, 30);
    {
        sonata_spike_writer w(path, {"E"});
        EXPECT_EQ(w.path(), path);
        EXPECT_EQ(w.temporary_path().string(), path.string() + ".tmp-" + std::to_string(::getpid()));
        append_in_batches(w, 0, e, 10, 31);
        // Until close() only the temporary file exists: nothing looks complete.
        EXPECT_FALSE(fs::exists(path));
        EXPECT_TRUE(fs::exists(w.temporary_path()));
        w.close();
        w.close();
        EXPECT_EQ(listing(), std::vector<std::string>{"out.h5"});
    }
    EXPECT_EQ(listing(), std::vector<std::string>{"out.h5"});
    // The destructor closes and renames a writer that was not closed.
    {
        sonata_spike_writer w(dir / "implicit.h5", {"E", "I"});
        append_in_batches(w, 1, e, 10, 32);
    }
    EXPECT_EQ(listing(), (std::vector<std::string>{"implicit.h5", "out.h5"}));
    expect_equal(read_sonata_spikes(dir / "implicit.h5").at("I"), e);
    // A rewrite replaces the old file.
    {
        sonata_spike_writer w(path, {"X"});
    }
    EXPECT_EQ(read_sonata_spikes(path).count("X"), 1u);
    EXPECT_EQ(listing(), (std::vector<std::string>{"implicit.h5", "out.h5"}));
}

TEST_F(sonata_test, same_spikes_give_the_same_bytes) {
    const auto e = make_spikes(sonata_chunk + 99, 300, 40);
    const auto i = make_spikes(99, 30, 41);
    for (const auto& name : {"a.h5", "b.h5"}) {
        sonata_spike_writer w(dir / name, {"E", "I"});
        append_in_batches(w, 0, e, 777, 42);
        append_in_batches(w, 1, i, 7, 43);
        w.close();
    }
    const auto a = slurp(dir / "a.h5"), b = slurp(dir / "b.h5");
    EXPECT_FALSE(a.empty());
    EXPECT_TRUE(a == b);
}

TEST_F(sonata_test, flush_makes_the_partial_file_readable) {
    const auto path = dir / "partial.h5";
    const auto e = make_spikes(sonata_chunk + 500, 100, 50);
    sonata_spike_writer w(path, {"E", "I"});
    append_in_batches(w, 0, e, 1000, 51);
    w.flush();
    // In this process (HDF5 shares the open file) ...
    const auto got = read_sonata_spikes(w.temporary_path());
    expect_equal(got.at("E"), e);
    expect_equal(got.at("I"), spikes{});
    // ... and from another one, while the writer still has it open.
    if (have_h5py()) {
        const auto [status, out] = python(
            "import sys, h5py\n"
            "f = h5py.File(sys.argv[1], 'r')\n"
            "print(f['spikes/E/timestamps'].shape[0], f['spikes/E/node_ids'].shape[0], f['spikes/I/node_ids'].shape[0])\n",
            w.temporary_path().string());
        EXPECT_EQ(status, 0) << out;
        EXPECT_EQ(out, std::to_string(e.size()) + " " + std::to_string(e.size()) + " 0\n");
    } else {
        std::printf("[  NOTE    ] /usr/bin/python3 has no h5py: skipped the cross-process read\n");
    }
    // More spikes after the flush still end up in the final file.
    const double t = e.t.back() + 1;
    const std::uint64_t id = 0;
    w.append(1, &t, &id, 1);
    w.close();
    EXPECT_EQ(read_sonata_spikes(path).at("I").t_ms, std::vector<double>{t});
}

TEST_F(sonata_test, h5py_sees_the_exact_layout) {
    if (!have_h5py()) GTEST_SKIP() << "/usr/bin/python3 has no h5py: layout check skipped";
    const auto path = dir / "layout.h5";
    {
        sonata_spike_writer w(path, {"E", "I"});
        const double t[] = {0.5, 1.0, 1.0};
        const std::uint64_t id[] = {3, 1, 2};
        w.append(0, t, id, 3);
        w.close();
    }
    const auto [status, out] = python(R"PY(
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], 'r')
assert f.attrs['magic'] == 0x0A7A, f.attrs['magic']
assert f.attrs.get_id('magic').dtype == np.uint32
assert f.attrs['version'].tolist() == [0, 1], f.attrs['version']
assert f.attrs.get_id('version').dtype == np.uint32 and f.attrs.get_id('version').shape == (2,)
assert sorted(f.keys()) == ['spikes'] and sorted(f['spikes'].keys()) == ['E', 'I']
for pop, n in (('E', 3), ('I', 0)):
    g = f['spikes/' + pop]
    assert isinstance(g, h5py.Group)
    dt = g.attrs.get_id('sorting').dtype
    assert h5py.check_enum_dtype(dt) == {'none': 0, 'by_id': 1, 'by_time': 2}, dt
    assert dt == np.uint8, dt
    assert g.attrs['sorting'] == 2
    assert sorted(g.keys()) == ['node_ids', 'timestamps']
    ts, ids = g['timestamps'], g['node_ids']
    assert ts.dtype == np.float64 and ts.dtype.byteorder in '<=', ts.dtype
    assert ids.dtype == np.uint64, ids.dtype
    assert ts.shape == (n,) and ids.shape == (n,)
    assert ts.maxshape == (None,) and ids.maxshape == (None,)
    assert ts.chunks == (65536,) and ids.chunks == (65536,), ts.chunks
    assert ts.attrs['units'] == 'ms', ts.attrs['units']
    si = h5py.check_string_dtype(ts.attrs.get_id('units').dtype)
    assert si is not None and si.encoding == 'utf-8' and si.length is None, si
    assert ts.attrs.get_id('units').shape == ()
e = f['spikes/E']
assert e['timestamps'][()].tolist() == [0.5, 1.0, 1.0]
assert e['node_ids'][()].tolist() == [3, 1, 2]
print('layout ok')
)PY",
                                      path.string());
    EXPECT_EQ(status, 0) << out;
    EXPECT_EQ(out, "layout ok\n");
}

TEST_F(sonata_test, reads_the_legacy_layout_and_rejects_bad_files) {
    if (!have_h5py()) GTEST_SKIP() << "/usr/bin/python3 has no h5py: cannot create legacy files";
    const auto legacy = dir / "legacy.h5", bad_magic = dir / "bad_magic.h5", mismatch = dir / "mismatch.h5",
               nospikes = dir / "nospikes.h5";
    const auto [status, out] = python(R"PY(
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], 'w') as f:
    g = f.create_group('spikes')
    g.attrs['sorting'] = 'time'
    g.create_dataset('gids', data=np.array([5, 2, 9, 0], dtype=np.int32))
    g.create_dataset('timestamps', data=np.array([0.25, 1.5, 1.5, 7.0], dtype=np.float32))
with h5py.File(sys.argv[2], 'w') as f:
    f.attrs['magic'] = np.uint32(1234)
    f.create_group('spikes/E')
with h5py.File(sys.argv[3], 'w') as f:
    f.create_dataset('spikes/E/timestamps', data=np.zeros(3))
    f.create_dataset('spikes/E/node_ids', data=np.zeros(2, dtype=np.uint64))
with h5py.File(sys.argv[4], 'w') as f:
    f.create_group('other')
print('made')
)PY",
                                      legacy.string() + " " + bad_magic.string() + " " + mismatch.string() + " " +
                                          nospikes.string());
    ASSERT_EQ(status, 0) << out;
    const auto got = read_sonata_spikes(legacy);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got.at("default").t_ms, (std::vector<double>{0.25, 1.5, 1.5, 7.0}));
    EXPECT_EQ(got.at("default").node_ids, (std::vector<std::uint64_t>{5, 2, 9, 0}));

    for (const auto& p : {bad_magic, mismatch, nospikes}) {
        try {
            read_sonata_spikes(p);
            ADD_FAILURE() << "no error for " << p;
        } catch (const einet::io_error& err) {
            EXPECT_NE(std::string(err.what()).find(p.string()), std::string::npos) << err.what();
        }
    }
}

TEST_F(sonata_test, io_failures_throw_io_error_naming_the_file) {
    const auto missing = dir / "missing.h5";
    try {
        read_sonata_spikes(missing);
        ADD_FAILURE() << "no error";
    } catch (const einet::io_error& e) {
        EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
    }
    const auto text = dir / "text.h5";
    std::ofstream(text) << "not an HDF5 file\n";
    try {
        read_sonata_spikes(text);
        ADD_FAILURE() << "no error";
    } catch (const einet::io_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(text.string()), std::string::npos) << what;
        EXPECT_NE(what.find("HDF5:"), std::string::npos) << what;
    }
    const auto nodir = dir / "no" / "such" / "dir" / "x.h5";
    try {
        sonata_spike_writer w(nodir, {"E"});
        ADD_FAILURE() << "no error";
    } catch (const einet::io_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(nodir.string()), std::string::npos) << what;
        EXPECT_NE(what.find("cannot create the file"), std::string::npos) << what;
    }
}
