#pragma once
// Per-point resume of study snn_convex (internal to config/). Every finished point — one
// (K, L, seed) of the classification tasks, one (K, L, seed, λ_carry) of the addition task — is
// journalled in <run>/checkpoint (io/checkpoint.hpp; header field "points" holds a JSON object
// key → record) as soon as it finishes. `einet run FILE --out DIR --resume` reads the journal
// back and runs only the missing points; the records hold every number the summary is built
// from, so the resumed run writes the same summary.json as an uninterrupted one. A complete run
// removes the journal.
#include <filesystem>
#include <string>

#include "einet/io/json.hpp"

namespace einet::config {

class point_journal {
public:
    // resume: read the journal of `run_dir` (io_error if it is not one of this study).
    point_journal(std::filesystem::path run_dir, bool resume);

    // The record of a finished point, or nullptr.
    const io::json* find(const std::string& key) const;
    // Journals a finished point (rewrites the checkpoint atomically; test hook interrupt_if_testing).
    void add(const std::string& key, io::json record);
    // The run is complete: the journal is removed.
    void complete();

    std::size_t resumed() const { return resumed_; }

private:
    std::filesystem::path run_dir_;
    io::json points_ = io::json::object();
    std::size_t resumed_ = 0, written_ = 0;
};

}  // namespace einet::config
