#pragma once
// Two exception roots (after Arbor): user_error for anything the user can fix (bad config,
// bad arguments, numerical failure of their model, I/O), internal_error for bugs in einet.
// Each user error carries the CLI exit code of docs/cli.md.
#include <stdexcept>
#include <string>

namespace einet {

enum class exit_code : int { ok = 0, internal = 1, usage = 2, numerical = 3, io = 4, interrupted = 130 };

class user_error : public std::runtime_error {
public:
    user_error(const std::string& what, exit_code code) : std::runtime_error(what), code_(code) {}
    exit_code code() const noexcept { return code_; }
private:
    exit_code code_;
};

// A configuration or argument problem: the message already names file:line, key and expectation.
struct config_error : user_error {
    explicit config_error(const std::string& what) : user_error(what, exit_code::usage) {}
};

// NaN, infinity or runaway activity in a simulation; the message names where it began.
struct numerical_error : user_error {
    explicit numerical_error(const std::string& what) : user_error(what, exit_code::numerical) {}
};

struct io_error : user_error {
    explicit io_error(const std::string& what) : user_error(what, exit_code::io) {}
};

struct internal_error : std::logic_error {
    explicit internal_error(const std::string& what) : std::logic_error("einet internal error: " + what) {}
};

}  // namespace einet
