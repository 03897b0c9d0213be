#include "einet/train/snn_tasks.hpp"

#include <zlib.h>

#include <algorithm>
#include <numeric>

#include "einet/core/error.hpp"
#include "einet/core/rng.hpp"

namespace einet::train {

namespace {

// Uniform index in [0, n) from draw `i` of stream `seed`.
std::size_t uniform_index(std::uint64_t seed, std::uint32_t entity, std::uint64_t i, std::size_t n) {
    const auto r = rng::philox(seed, rng::purpose::dataset, entity, i);
    return static_cast<std::size_t>(rng::uniform53(r[0], r[1]) * static_cast<double>(n));
}

void shuffle(std::vector<std::size_t>& v, std::uint64_t seed, std::uint32_t entity) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[uniform_index(seed, entity, i, i)]);
}

// Sequences [T × d] per sample -> time-major sequence_data of the chosen samples.
sequence_data pack(const std::vector<std::vector<double>>& seqs, const std::vector<int>& labels,
                   const std::vector<std::size_t>& pick, std::size_t T, std::size_t d) {
    sequence_data s;
    s.steps = T;
    const std::size_t n = pick.size();
    s.x.resize(static_cast<Eigen::Index>(T * n), static_cast<Eigen::Index>(d));
    for (std::size_t j = 0; j < n; ++j) {
        for (std::size_t t = 0; t < T; ++t)
            for (std::size_t k = 0; k < d; ++k)
                s.x(static_cast<Eigen::Index>(t * n + j), static_cast<Eigen::Index>(k)) = seqs[pick[j]][t * d + k];
        s.labels.push_back(labels[pick[j]]);
    }
    return s;
}

std::vector<std::size_t> range(std::size_t from, std::size_t to) {
    std::vector<std::size_t> v(to - from);
    std::iota(v.begin(), v.end(), from);
    return v;
}

}  // namespace

task_split first_last_xor(std::size_t T, std::size_t n_train, std::size_t n_val, std::size_t n_test, std::uint64_t seed) {
    if (T < 2) throw config_error("task.steps: first-last-XOR needs T >= 2, got " + std::to_string(T));
    const std::size_t n = n_train + n_val + n_test;
    if (n_train == 0 || n_test == 0) throw config_error("task: first-last-XOR needs n_train >= 1 and n_test >= 1");
    std::vector<std::vector<double>> pos, neg;
    std::uint64_t draw = 0;
    const std::size_t want_pos = n / 2, want_neg = n - n / 2;
    while (pos.size() < want_pos || neg.size() < want_neg) {
        std::vector<double> seq(2 * T, 0.0);
        std::vector<int> bits(T);
        for (std::size_t t = 0; t < T; ++t) {
            bits[t] = static_cast<int>(uniform_index(seed, 1, draw++, 2));
            seq[2 * t + static_cast<std::size_t>(bits[t])] = 1.0;  // one-hot symbol (spec §2.6)
        }
        auto& bucket = (bits.front() ^ bits.back()) ? pos : neg;
        if (bucket.size() < ((bits.front() ^ bits.back()) ? want_pos : want_neg)) bucket.push_back(std::move(seq));
    }
    std::vector<std::vector<double>> all = pos;
    all.insert(all.end(), neg.begin(), neg.end());
    std::vector<int> labels(pos.size(), 1);
    labels.resize(all.size(), 0);
    std::vector<std::size_t> order = range(0, n);
    shuffle(order, seed, 2);
    const auto slice = [&](std::size_t a, std::size_t b) {
        return std::vector<std::size_t>(order.begin() + static_cast<std::ptrdiff_t>(a), order.begin() + static_cast<std::ptrdiff_t>(b));
    };
    return {pack(all, labels, slice(0, n_train), T, 2), pack(all, labels, slice(n_train, n_train + n_val), T, 2),
            pack(all, labels, slice(n_train + n_val, n), T, 2)};
}

idx_array read_idx(const std::string& path) {
    gzFile f = gzopen(path.c_str(), "rb");  // reads plain files too
    if (!f) throw io_error(path + ": cannot open IDX file");
    std::vector<std::uint8_t> bytes;
    std::uint8_t buf[1 << 16];
    int got = 0;
    while ((got = gzread(f, buf, sizeof buf)) > 0) bytes.insert(bytes.end(), buf, buf + got);
    const bool read_error = got < 0;
    gzclose(f);
    if (read_error) throw io_error(path + ": corrupt compressed IDX file");
    if (bytes.size() < 4 || bytes[0] != 0 || bytes[1] != 0)
        throw io_error(path + ": not an IDX file (expected the magic number 0x0000TTDD)");
    if (bytes[2] != 0x08)
        throw io_error(path + ": IDX element type 0x" + std::to_string(bytes[2]) + " is not unsigned byte (0x08)");
    const std::size_t ndim = bytes[3];
    if (ndim == 0 || bytes.size() < 4 + 4 * ndim) throw io_error(path + ": truncated IDX header");
    idx_array a;
    std::size_t count = 1;
    for (std::size_t k = 0; k < ndim; ++k) {
        const std::uint8_t* p = bytes.data() + 4 + 4 * k;
        a.dims.push_back((std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) | p[3]);
        count *= a.dims.back();
    }
    const std::size_t header = 4 + 4 * ndim;
    if (bytes.size() != header + count)
        throw io_error(path + ": IDX file holds " + std::to_string(bytes.size() - header) + " data bytes, its header says " +
                       std::to_string(count) + (bytes.size() < header + count ? " (truncated)" : " (trailing bytes)"));
    a.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
    return a;
}

image_files fashion_mnist_files() {
    const std::string dir = "/usr/share/datasets/fashion-mnist/";
    return {dir + "train-images-idx3-ubyte.gz", dir + "train-labels-idx1-ubyte.gz", dir + "t10k-images-idx3-ubyte.gz",
            dir + "t10k-labels-idx1-ubyte.gz"};
}

namespace {

struct image_set {
    std::vector<std::vector<double>> seqs;
    std::vector<int> labels;
};

image_set load_images(const std::string& images, const std::string& labels, std::size_t T) {
    const auto im = read_idx(images), lb = read_idx(labels);
    if (im.dims.size() != 3) throw io_error(images + ": expected a 3-D IDX array [n, rows, cols]");
    if (lb.dims.size() != 1 || lb.dims[0] != im.dims[0])
        throw io_error(labels + ": expected " + std::to_string(im.dims[0]) + " labels (one per image in " + images + ")");
    const std::size_t n = im.dims[0], pixels = im.dims[1] * im.dims[2], chunk = (pixels + T - 1) / T;
    image_set s;
    s.seqs.assign(n, std::vector<double>(T * chunk, 0.0));
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t p = 0; p < pixels; ++p) s.seqs[i][p] = im.data[i * pixels + p] / 255.0;  // spec §2.6
    s.labels.assign(lb.data.begin(), lb.data.end());
    return s;
}

std::vector<std::size_t> draw_without_replacement(std::size_t pool, std::size_t k, std::uint64_t seed) {
    std::vector<std::size_t> v = range(0, pool);
    shuffle(v, seed, 3);
    v.resize(k);
    return v;
}

}  // namespace

task_split sequential_images(const image_files& files, std::size_t T, std::size_t n_train, std::size_t n_val,
                             std::size_t n_test, std::uint64_t seed) {
    const auto train = load_images(files.train_images, files.train_labels, T);
    const auto test = load_images(files.test_images, files.test_labels, T);
    if (n_train + 0 > train.seqs.size() || n_val > train.seqs.size() || n_test > test.seqs.size())
        throw config_error("task: asked for " + std::to_string(n_train) + "/" + std::to_string(n_val) + "/" +
                           std::to_string(n_test) + " images, the files hold " + std::to_string(train.seqs.size()) +
                           " training and " + std::to_string(test.seqs.size()) + " test images");
    const std::size_t d = train.seqs.front().size() / T;
    // train and validation are independent draws from the same pool (spec §7.2, A11: they may overlap)
    return {pack(train.seqs, train.labels, draw_without_replacement(train.seqs.size(), n_train, seed), T, d),
            pack(train.seqs, train.labels, draw_without_replacement(train.seqs.size(), n_val, seed + 1), T, d),
            pack(test.seqs, test.labels, draw_without_replacement(test.seqs.size(), n_test, seed + 2), T, d)};
}

}  // namespace einet::train
