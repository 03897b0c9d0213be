#pragma once
// Eigen's own threading off for a scope and restored on leaving it (also by an exception): its
// blocking, hence its rounding, would otherwise follow the thread count, and einet's results
// must be bit-identical for any thread count. einet threads by fixed chunks instead.
#include <Eigen/Core>

namespace einet::core {

class eigen_single_thread {
public:
    eigen_single_thread() : saved_(Eigen::nbThreads()) { Eigen::setNbThreads(1); }
    ~eigen_single_thread() { Eigen::setNbThreads(saved_); }
    eigen_single_thread(const eigen_single_thread&) = delete;
    eigen_single_thread& operator=(const eigen_single_thread&) = delete;

private:
    int saved_;
};

}  // namespace einet::core
