#pragma once
// SONATA spike files (HDF5), the layout of docs/CONVENTIONS:
//
//   /                      attrs: magic uint32 = 0x0A7A, version uint32[2] = {0, 1}
//   /spikes/<population>/  attr  sorting: enum over uint8 {none=0, by_id=1, by_time=2} = by_time
//       timestamps         float64 [N], chunked, max shape (unlimited,), attr units = "ms" (vlen UTF-8)
//       node_ids           uint64  [N], same; 0-based index within the population
//
// Spikes are in time order, ties broken by node id, so a run's file bytes are deterministic.
// The writer works on "<path>.tmp-<pid>" and renames it to <path> in close(): a crash leaves no
// file that looks complete. flush() makes the temporary file readable mid-run (the writer holds
// no HDF5 file lock, so another process may open it read-only).
//
// Uses the libhdf5 C API (1.10). Every HDF5 failure throws einet::io_error naming the file and
// the step that failed; HDF5's own error printing is silenced. A writer must be used from one
// thread at a time (the serial HDF5 library is not re-entrant).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace einet::io {

inline constexpr std::uint32_t sonata_magic = 0x0A7A;
inline constexpr std::uint32_t sonata_version[2] = {0, 1};
// Spikes buffered in memory per population before they are written; also the dataset chunk size.
inline constexpr std::size_t sonata_chunk = std::size_t{1} << 16;

class sonata_spike_writer {
public:
    // Creates "<path>.tmp-<pid>" with an empty group per population. Names must be non-empty,
    // unique, and contain no '/' (throws einet::internal_error otherwise).
    sonata_spike_writer(std::filesystem::path path, std::vector<std::string> populations);
    ~sonata_spike_writer();  // closes (and renames) if close() was not called; never throws
    sonata_spike_writer(const sonata_spike_writer&) = delete;
    sonata_spike_writer& operator=(const sonata_spike_writer&) = delete;
    sonata_spike_writer(sonata_spike_writer&&) noexcept;
    sonata_spike_writer& operator=(sonata_spike_writer&&) noexcept;

    // Appends spikes of one population; (t, id) must be non-decreasing in time with ids
    // ascending among equal times, and after everything appended before; times must not be NaN
    // (throws einet::internal_error otherwise, appending nothing of the batch).
    void append(std::size_t population, const double* t_ms, const std::uint64_t* node_ids, std::size_t n);
    // Writes the buffered spikes and flushes the file (H5Fflush), so a partial file is readable.
    void flush();
    // Finalises and renames; idempotent. After close() only count() may be called.
    void close();
    // Spikes appended so far (written or buffered).
    std::uint64_t count(std::size_t population) const;
    // For checkpoint/resume: drop everything after the first `n` spikes of each population
    // (one entry per population, each at most count(p); throws einet::internal_error otherwise).
    void truncate(const std::vector<std::uint64_t>& n_per_population);

    const std::filesystem::path& path() const noexcept;
    // The file being written until close() ("<path>.tmp-<pid>").
    const std::filesystem::path& temporary_path() const noexcept;

private:
    struct state;
    std::unique_ptr<state> s_;
};

struct spike_train_set {
    std::vector<double> t_ms;
    std::vector<std::uint64_t> node_ids;
};

// Reads every population; also accepts the legacy layout /spikes/gids + /spikes/timestamps
// (returned as population "default"). Throws einet::io_error on a missing or malformed file.
std::map<std::string, spike_train_set> read_sonata_spikes(const std::filesystem::path& path);

}  // namespace einet::io
