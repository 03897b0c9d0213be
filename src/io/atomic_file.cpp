#include "einet/io/atomic_file.hpp"

#include <cstdio>
#include <system_error>
#include <unistd.h>

#include "einet/core/error.hpp"

namespace einet::io {

void write_file_atomic(const std::filesystem::path& path, std::string_view content) {
    const auto tmp = path.string() + ".tmp-" + std::to_string(::getpid());
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw io_error("cannot write " + tmp);
    const bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size() &&
                    std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
    std::fclose(f);
    if (!ok) {
        std::remove(tmp.c_str());
        throw io_error("failed writing " + tmp);
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        throw io_error("cannot rename " + tmp + " to " + path.string() + ": " + ec.message());
    }
}

}  // namespace einet::io
