#pragma once
// Progress of long runs on stderr: on a terminal one line that rewrites itself, otherwise a line
// every `interval` seconds of wall time; nothing when disabled (--quiet). The ETA uses the rate
// of the current run only.
#include <chrono>
#include <cstddef>
#include <string>

namespace einet {

class progress {
public:
    enum class mode { automatic, bar, lines, none };
    progress(std::string what, std::size_t total, mode m = mode::automatic, double interval_s = 10.0);
    ~progress();
    // `done` units finished; `extra` is appended (e.g. "E 5.1 Hz  I 13.9 Hz").
    void update(std::size_t done, const std::string& extra = "");
    // Whether update() would print now: lets a caller skip composing `extra` on most calls.
    bool due() const;
    // Final line with the number actually done (a run may stop early).
    void finish(std::size_t done, const std::string& extra = "");

private:
    void print(std::size_t done, const std::string& extra, bool final);
    std::string what_;
    std::size_t total_;
    bool enabled_, tty_, finished_ = false;
    double interval_;
    std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace einet
