// Output files (include/einet/io/): .npy bytes, ordered JSON, atomic writes and run directories.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "einet/core/error.hpp"
#include "einet/io/atomic_file.hpp"
#include "einet/io/json.hpp"
#include "einet/io/npy.hpp"
#include "einet/io/run_directory.hpp"

namespace fs = std::filesystem;
using namespace einet::io;

namespace {

// A fresh directory per test, removed afterwards.
class io_test : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() /
              ("einet-io-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    void TearDown() override { fs::remove_all(dir); }
    static std::string slurp(const fs::path& p) {
        std::ifstream in(p, std::ios::binary);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    static bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
    fs::path dir;
};

}  // namespace

TEST_F(io_test, npy_header_is_aligned_and_round_trips) {
    for (const auto& shape : {std::vector<std::size_t>{5}, std::vector<std::size_t>{2, 3}, std::vector<std::size_t>{3, 1, 4},
                              std::vector<std::size_t>{0}}) {
        std::size_t n = 1;
        for (auto s : shape) n *= s;
        std::vector<double> data(n);
        for (std::size_t i = 0; i < n; ++i) data[i] = std::ldexp(1.0 + static_cast<double>(i) / 7.0, static_cast<int>(i) - 3);
        if (n > 1) data[1] = -0.0;
        const auto bytes = npy_bytes(data, shape);
        ASSERT_EQ(bytes.compare(0, 8, std::string("\x93NUMPY\x01\x00", 8)), 0);
        const std::size_t header = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
        EXPECT_EQ((10 + header) % 64, 0u);
        EXPECT_EQ(bytes[10 + header - 1], '\n');
        EXPECT_EQ(bytes.size(), 10 + header + 8 * n);
        EXPECT_TRUE(has(bytes.substr(10, header), "'descr': '<f8'"));
        const auto path = dir / "a.npy";
        write_npy(path, data, shape);
        EXPECT_EQ(slurp(path), bytes);
        const auto back = read_npy(path);
        EXPECT_EQ(back.shape, shape);
        ASSERT_EQ(back.data.size(), n);
        EXPECT_EQ(std::memcmp(back.data.data(), data.data(), n * sizeof(double)), 0);  // bit-exact, incl. -0.0
    }
    EXPECT_TRUE(has(npy_bytes({1.0}, {1}), "'shape': (1,)"));  // a 1-tuple keeps its comma
    EXPECT_THROW(npy_bytes({1.0, 2.0}, {3}), einet::internal_error);
}

TEST_F(io_test, json_keeps_order_escapes_and_prints_round_trip_numbers) {
    json j = json::object();
    j["zeta"] = 1;
    j["alpha"]["inner"] = "a \"quoted\"\\ line\nnext\ttab\x01";
    j["alpha"]["list"] = std::vector<double>{0.1, std::nan(""), -std::numeric_limits<double>::infinity()};
    j["flag"] = true;
    j["none"] = nullptr;
    j["zeta"] = 2;  // reassigning keeps the first position
    const auto text = j.dump(0);
    EXPECT_EQ(text, "{\"zeta\":2,\"alpha\":{\"inner\":\"a \\\"quoted\\\"\\\\ line\\nnext\\ttab\\u0001\","
                    "\"list\":[0.10000000000000001, null, null]},\"flag\":true,\"none\":null}");
    EXPECT_EQ(j.items().front().first, "zeta");
    ASSERT_NE(j.find("alpha"), nullptr);
    EXPECT_EQ(j.find("missing"), nullptr);
    // 17 significant digits: every double survives a text round trip.
    for (double x : {1.0 / 3.0, 2.0 / 3.0 * 1e-300, 123456789.123456789, 5e-324}) {
        const auto s = json(x).dump(0);
        EXPECT_EQ(std::strtod(s.c_str(), nullptr), x) << s;
    }
    EXPECT_EQ(json(std::int64_t{-9007199254740993}).dump(0), "-9007199254740993");
    const auto pretty = j.dump(2);
    EXPECT_TRUE(has(pretty, "{\n  \"zeta\": 2,\n  \"alpha\": {\n    \"inner\"")) << pretty;
}

// json::parse reads back what dump writes: the same text again, exact doubles, int64, escapes.
TEST_F(io_test, json_parse_inverts_dump) {
    json j = json::object();
    j["s"] = "a \"quoted\"\\ line\nnext\ttab\x01 µ\b\f\r\x1f/";
    j["list"] = std::vector<double>{0.1, 1.0 / 3.0, 5e-324, -2.5e300, std::nan("")};
    j["n"] = std::int64_t{-9007199254740993};
    j["nested"]["empty"] = json::array();
    j["nested"]["obj"] = json::object();
    j["t"] = true, j["f"] = false, j["z"] = nullptr;
    for (int indent : {0, 2}) {
        const json back = json::parse(j.dump(indent), "test");
        EXPECT_EQ(back.dump(0), j.dump(0));
        EXPECT_EQ(back.find("list")->elements()[1].number(), 1.0 / 3.0);
        EXPECT_EQ(back.find("s")->string(), j.find("s")->string());
    }
    for (const char* bad : {"{\"a\":}", "[1, 2", "{\"a\" 1}", "tru", "\"open", "{} x"}) {
        try {
            json::parse(bad, "file.json");
            ADD_FAILURE() << bad;
        } catch (const einet::io_error& e) {
            EXPECT_TRUE(has(e.what(), "file.json: malformed JSON at byte")) << e.what();
        }
    }
}

TEST_F(io_test, write_file_atomic_replaces_and_leaves_no_temporaries) {
    const auto p = dir / "f.txt";
    write_file_atomic(p, "first");
    write_file_atomic(p, "second, longer");
    EXPECT_EQ(slurp(p), "second, longer");
    for (const auto& e : fs::directory_iterator(dir)) EXPECT_FALSE(has(e.path().filename().string(), ".tmp-")) << e.path();
    EXPECT_THROW(write_file_atomic(dir / "no" / "such" / "dir.txt", "x"), einet::io_error);
}

TEST_F(io_test, run_directory_lifecycle) {
    const auto out = dir / "run";
    json base = json::object();
    base["seed"] = 42;
    {
        run_directory rd(out, run_directory::existing::refuse, base);
        auto manifest = slurp(out / "manifest.json");
        EXPECT_TRUE(has(manifest, "\"status\": \"running\"")) << manifest;
        EXPECT_TRUE(has(manifest, "\"seed\": 42"));
        rd.write_array({"E_hz", {2, 3}, "trial, run", "Hz", "mean E rate"}, {1, 2, 3, 4, 5, 6});
        rd.write_array({"I_hz", {3}, "run", "Hz", "mean I rate"}, {7, 8, 9});
        rd.write_text("config.toml", "x = 1\n");
        rd.set_status("complete");
        manifest = slurp(out / "manifest.json");
        EXPECT_TRUE(has(manifest, "\"status\": \"complete\"")) << manifest;
        EXPECT_TRUE(has(manifest, "finished_utc"));
        EXPECT_TRUE(has(manifest, "\"arrays/E_hz.npy\"") && has(manifest, "\"config.toml\"")) << manifest;
        const auto index = slurp(out / "arrays" / "index.json");
        EXPECT_TRUE(has(index, "\"E_hz\"") && has(index, "\"I_hz\"")) << index;
        EXPECT_TRUE(has(index, "\"axes\": \"trial, run\"")) << index;
        EXPECT_LT(index.find("\"E_hz\""), index.find("\"I_hz\""));
        const auto arr = read_npy(out / "arrays" / "E_hz.npy");
        EXPECT_EQ(arr.shape, (std::vector<std::size_t>{2, 3}));
        EXPECT_EQ(arr.data, (std::vector<double>{1, 2, 3, 4, 5, 6}));
    }
    for (const auto& e : fs::recursive_directory_iterator(out)) EXPECT_FALSE(has(e.path().filename().string(), ".tmp-"));
    // A non-empty directory is refused without overwrite ...
    EXPECT_THROW(run_directory(out, run_directory::existing::refuse, json::object()), einet::io_error);
    // ... and with overwrite only einet's files go; foreign files stay.
    { std::ofstream(out / "mine.txt") << "keep"; }
    run_directory again(out, run_directory::existing::replace, json::object());
    EXPECT_TRUE(fs::exists(out / "mine.txt"));
    EXPECT_FALSE(fs::exists(out / "arrays" / "E_hz.npy"));
    EXPECT_FALSE(fs::exists(out / "config.toml"));
    again.set_status("failed", "trial 3: non-finite weight");
    const auto manifest = slurp(out / "manifest.json");
    EXPECT_TRUE(has(manifest, "\"status\": \"failed\"") && has(manifest, "\"reason\": \"trial 3: non-finite weight\""));
    // Resuming keeps what is there and starts a new manifest.
    again.write_text("config.toml", "x = 2\n");
    run_directory resumed(out, run_directory::existing::keep, json::object());
    EXPECT_EQ(slurp(out / "config.toml"), "x = 2\n");
    EXPECT_TRUE(has(slurp(out / "manifest.json"), "\"status\": \"running\""));
}
