#include "einet/core/progress.hpp"

#include <cstdio>
#include <unistd.h>

namespace einet {

progress::progress(std::string what, std::size_t total, mode m, double interval_s)
    : what_(std::move(what)), total_(total), interval_(interval_s) {
    tty_ = ::isatty(STDERR_FILENO) != 0;
    enabled_ = m == mode::bar || m == mode::lines || (m == mode::automatic);
    if (m == mode::none) enabled_ = false;
    if (m == mode::lines) tty_ = false;
    if (m == mode::bar) tty_ = true;
    start_ = last_ = std::chrono::steady_clock::now();
}

progress::~progress() {
    if (enabled_ && tty_ && !finished_) std::fputc('\n', stderr);
}

bool progress::due() const {
    if (!enabled_ || finished_) return false;
    const double since = std::chrono::duration<double>(std::chrono::steady_clock::now() - last_).count();
    return since >= (tty_ ? 0.2 : interval_);
}

void progress::update(std::size_t done, const std::string& extra) {
    if (!due()) return;
    last_ = std::chrono::steady_clock::now();
    print(done, extra, false);
}

void progress::finish(std::size_t done, const std::string& extra) {
    if (!enabled_ || finished_) return;
    print(done, extra, true);
    finished_ = true;
}

void progress::print(std::size_t done, const std::string& extra, bool final) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double frac = total_ ? static_cast<double>(done) / static_cast<double>(total_) : 1.0;
    const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
    const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0.0;
    char line[256];
    std::snprintf(line, sizeof line, "[%3.0f%%] %s %zu/%zu  %.1f/s  wall %.1f s  ETA %.1f s  %s", 100.0 * frac,
                  what_.c_str(), done, total_, rate, elapsed, final ? 0.0 : eta, extra.c_str());
    if (tty_) std::fprintf(stderr, "\r\033[K%s%s", line, final ? "\n" : "");
    else std::fprintf(stderr, "%s\n", line);
    std::fflush(stderr);
}

}  // namespace einet
