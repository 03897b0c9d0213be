#pragma once
// Atomic file writes: content goes to "<path>.tmp-<pid>", is flushed, then renamed over <path>.
// A crash therefore leaves either the complete previous/new file or none, never half of one.
#include <filesystem>
#include <string>
#include <string_view>

namespace einet::io {

void write_file_atomic(const std::filesystem::path& path, std::string_view content);

}  // namespace einet::io
