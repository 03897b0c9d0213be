#pragma once
// The output of a recorder: named arrays with their shape, axes, unit and description, written
// either as loose .npy files or into a run directory (arrays/<name>.npy plus arrays/index.json).
// Every recorder returns its data this way, so all of them are written by the same two functions.
#include <filesystem>
#include <vector>

#include "einet/io/run_directory.hpp"

namespace einet::record {

struct recorded_array {
    io::array_info info;
    std::vector<double> values;  // C order, size = product of info.shape
};

// An array with its metadata in one expression (shape defaults to 1-D over the values).
inline recorded_array make_array(std::string name, std::vector<double> values, std::vector<std::size_t> shape,
                                 std::string axes, std::string unit, std::string doc) {
    if (shape.empty()) shape = {values.size()};
    return {{std::move(name), std::move(shape), std::move(axes), std::move(unit), std::move(doc)}, std::move(values)};
}

// <dir>/<name>.npy for every array (each written atomically; dir is created).
void write_npy_files(const std::filesystem::path& dir, const std::vector<recorded_array>& arrays);
void write_arrays(io::run_directory& run, const std::vector<recorded_array>& arrays);

}  // namespace einet::record
