#pragma once
// NumPy .npy (format 1.0) writer and reader for little-endian float64 / int64 arrays in C order.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace einet::io {

struct npy_array {
    std::vector<std::size_t> shape;
    std::vector<double> data;  // C order
};

// Serialises to the bytes of an .npy file (dtype '<f8').
std::string npy_bytes(const std::vector<double>& data, const std::vector<std::size_t>& shape);
void write_npy(const std::filesystem::path& path, const std::vector<double>& data,
               const std::vector<std::size_t>& shape);

// Reads '<f8' and '<i8' arrays (the latter converted to double).
npy_array read_npy(const std::filesystem::path& path);

}  // namespace einet::io
