#pragma once
// Checkpoint directories: a flat header of named text fields and any number of named double
// arrays, written so that a crash never leaves something that looks like a checkpoint but is not.
//
//   <dir>/header.json        {"format": "einet-checkpoint/1", "arrays": "<count>", <fields>...}
//   <dir>/arrays/<name>.npy  one file per array (float64, 1-D); characters of a name outside
//                            [A-Za-z0-9._-] are written as %XX
//
// Writing goes to "<dir>.tmp-<pid>" and is renamed to <dir> when complete; an existing
// checkpoint at <dir> is first moved aside to "<dir>.old-<pid>" and removed after the rename
// (if the process dies between the two renames, the previous checkpoint is still whole there).
// A directory that holds no header.json is never replaced. What the fields and arrays mean is
// the writer's business (record/engine_checkpoint.hpp for the spiking engine).
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace einet::io {

struct checkpoint_array {
    std::string name;
    std::vector<double> values;
};

struct checkpoint_data {
    std::vector<std::pair<std::string, std::string>> fields;  // header, in order
    std::vector<checkpoint_array> arrays;

    // The field called `key`, or nullptr.
    const std::string* field(const std::string& key) const;
};

// Throws io_error on a file-system failure, internal_error on repeated or empty array names and
// on the reserved field names "format" and "arrays".
void write_checkpoint(const std::filesystem::path& dir, const checkpoint_data& data);
// Arrays in file-name order. Throws io_error naming the directory and what is missing or malformed.
checkpoint_data read_checkpoint(const std::filesystem::path& dir);

}  // namespace einet::io
