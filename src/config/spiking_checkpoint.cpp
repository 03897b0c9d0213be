#include "spiking_checkpoint.hpp"

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "einet/core/error.hpp"

namespace einet::config {
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// "line N: <saved> / now: <current>" for the first line where two texts differ.
std::string first_difference(const std::string& saved, const std::string& current) {
    std::istringstream a(saved), b(current);
    std::string la, lb;
    for (std::size_t line = 1;; ++line) {
        const bool more_a = static_cast<bool>(std::getline(a, la)), more_b = static_cast<bool>(std::getline(b, lb));
        if (!more_a && !more_b) return "they differ only in line endings";
        if (!more_a) la = "(end of file)";
        if (!more_b) lb = "(end of file)";
        if (la != lb || !more_a || !more_b) return "line " + std::to_string(line) + " is `" + la + "` there, `" + lb + "` now";
    }
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

}  // namespace

fs::path checkpoint_dir(const fs::path& run_dir) { return run_dir / "checkpoint"; }

void check_resumable(const resolved_config& cfg, const fs::path& run_dir) {
    const std::string where = "cannot resume " + run_dir.string() + ": ";
    const fs::path saved_config = run_dir / "config.toml";
    if (!fs::is_regular_file(saved_config)) throw config_error(where + "it holds no config.toml (not a run directory)");
    const std::string saved = read_text(saved_config), current = cfg.to_toml();
    if (saved != current)
        throw config_error(where + "the configuration differs from the one it was started with (" +
                           first_difference(saved, current) + "); resume with the same file and --set options");
    if (!fs::is_regular_file(checkpoint_dir(run_dir) / "header.json"))
        throw config_error(where + "no checkpoint in " + checkpoint_dir(run_dir).string() +
                           " (the run was started without run.checkpoint_interval, was interrupted before its first "
                           "checkpoint, or completed: a complete run removes its checkpoint)");
}

void remove_interrupted_leftovers(const fs::path& run_dir) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(run_dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (starts_with(name, "spikes.h5.tmp-") || starts_with(name, "checkpoint.tmp-")) fs::remove_all(entry.path(), ec);
    }
}

void interrupt_if_testing(std::size_t checkpoints_written) {
    const char* after = std::getenv("EINET_TEST_INTERRUPT_AFTER_CHECKPOINT");
    if (after && std::strtoull(after, nullptr, 10) == checkpoints_written) std::raise(SIGKILL);
}

}  // namespace einet::config
