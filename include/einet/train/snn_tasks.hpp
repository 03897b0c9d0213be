#pragma once
// Tasks of paper 002 (spec §7) as sequence datasets (time-major, snn_trainer.hpp), and the IDX
// image reader behind the sequential-image task.
#include <cstdint>
#include <string>
#include <vector>

#include "einet/train/snn_trainer.hpp"

namespace einet::train {

struct task_split {
    sequence_data train, val, test;
};

// first-last-XOR (spec §7.1): uniform binary strings of length T, label x_1 XOR x_T, one-hot
// input (d = 2), balanced classes; n_train + n_val + n_test strings drawn at once (Philox stream
// of `seed`), positives then negatives shuffled, split in order.
task_split first_last_xor(std::size_t T, std::size_t n_train, std::size_t n_val, std::size_t n_test, std::uint64_t seed);

// An IDX file (LeCun's MNIST format, also Fashion-MNIST), optionally gzip-compressed. Validates
// the magic number, the element type (unsigned byte), the dimensions and the length; io_error
// naming the file and the problem otherwise.
struct idx_array {
    std::vector<std::size_t> dims;
    std::vector<std::uint8_t> data;
};
idx_array read_idx(const std::string& path);

// Sequential images (spec §2.6, §7.2): each image flattened row-major, intensities /255, split
// into T chunks of ⌈pixels/T⌉ (zero-padded); n_train and n_val drawn without replacement
// (independently, seeds seed and seed+1) from the training files, n_test from the test files (seed+2).
struct image_files {
    std::string train_images, train_labels, test_images, test_labels;
};
image_files fashion_mnist_files();  // Debian's dataset-fashion-mnist
task_split sequential_images(const image_files& files, std::size_t T, std::size_t n_train, std::size_t n_val,
                             std::size_t n_test, std::uint64_t seed);

}  // namespace einet::train
