#include "einet/record/recorded_array.hpp"

#include "einet/core/error.hpp"
#include "einet/io/atomic_file.hpp"
#include "einet/io/npy.hpp"

namespace einet::record {

void write_npy_files(const std::filesystem::path& dir, const std::vector<recorded_array>& arrays) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw io_error("cannot create " + dir.string() + ": " + ec.message());
    for (const auto& a : arrays) io::write_file_atomic(dir / (a.info.name + ".npy"), io::npy_bytes(a.values, a.info.shape));
}

void write_arrays(io::run_directory& run, const std::vector<recorded_array>& arrays) {
    for (const auto& a : arrays) run.write_array(a.info, a.values);
}

}  // namespace einet::record
