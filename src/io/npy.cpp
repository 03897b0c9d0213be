#include "einet/io/npy.hpp"

#include <cstring>
#include <fstream>
#include <sstream>

#include "einet/core/error.hpp"
#include "einet/io/atomic_file.hpp"

namespace einet::io {

std::string npy_bytes(const std::vector<double>& data, const std::vector<std::size_t>& shape) {
    std::size_t count = 1;
    for (auto s : shape) count *= s;
    if (count != data.size()) throw internal_error("npy: shape does not match data size");
    std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        dict += std::to_string(shape[i]);
        if (shape.size() == 1 || i + 1 < shape.size()) dict += ",";
        if (i + 1 < shape.size()) dict += " ";
    }
    dict += "), }";
    // Header padded with spaces so that magic + len + header + '\n' is a multiple of 64 bytes.
    const std::size_t prefix = 10;
    std::size_t total = prefix + dict.size() + 1;
    dict.append((64 - total % 64) % 64, ' ');
    dict += '\n';
    std::string out("\x93NUMPY\x01\x00", 8);
    const auto len = static_cast<std::uint16_t>(dict.size());
    out += static_cast<char>(len & 0xff);
    out += static_cast<char>(len >> 8);
    out += dict;
    out.append(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(double));
    return out;
}

void write_npy(const std::filesystem::path& path, const std::vector<double>& data,
               const std::vector<std::size_t>& shape) {
    write_file_atomic(path, npy_bytes(data, shape));
}

npy_array read_npy(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw io_error("cannot read " + path.string());
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) throw io_error(path.string() + ": not an .npy file");
    const int major = static_cast<unsigned char>(bytes[6]);
    std::size_t header_len, offset;
    if (major == 1) {
        header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
        offset = 10;
    } else {
        header_len = 0;
        for (int i = 0; i < 4; ++i) header_len |= static_cast<std::size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
        offset = 12;
    }
    const std::string header = bytes.substr(offset, header_len);
    const bool is_f8 = header.find("'<f8'") != std::string::npos;
    const bool is_i8 = header.find("'<i8'") != std::string::npos;
    if (!is_f8 && !is_i8) throw io_error(path.string() + ": expected dtype <f8 or <i8, header " + header);
    if (header.find("'fortran_order': True") != std::string::npos) throw io_error(path.string() + ": Fortran order not supported");
    npy_array arr;
    auto lp = header.find('('), rp = header.find(')');
    std::stringstream ss(header.substr(lp + 1, rp - lp - 1));
    std::string tok;
    while (std::getline(ss, tok, ',')) {
        if (tok.find_first_not_of(' ') == std::string::npos) continue;
        arr.shape.push_back(std::stoull(tok));
    }
    std::size_t count = 1;
    for (auto s : arr.shape) count *= s;
    const std::size_t data_off = offset + header_len;
    if (bytes.size() < data_off + count * 8) throw io_error(path.string() + ": truncated data");
    arr.data.resize(count);
    if (is_f8) {
        std::memcpy(arr.data.data(), bytes.data() + data_off, count * 8);
    } else {
        for (std::size_t i = 0; i < count; ++i) {
            std::int64_t v;
            std::memcpy(&v, bytes.data() + data_off + 8 * i, 8);
            arr.data[i] = static_cast<double>(v);
        }
    }
    return arr;
}

}  // namespace einet::io
