#include "snn_point_journal.hpp"

#include "einet/core/error.hpp"
#include "einet/io/checkpoint.hpp"
#include "spiking_checkpoint.hpp"  // checkpoint_dir, remove_interrupted_leftovers, interrupt_if_testing

namespace einet::config {

namespace {
constexpr const char* study_tag = "snn_convex points";
}

point_journal::point_journal(std::filesystem::path run_dir, bool resume) : run_dir_(std::move(run_dir)) {
    if (!resume) return;
    remove_interrupted_leftovers(run_dir_);
    const auto where = checkpoint_dir(run_dir_);
    const auto d = io::read_checkpoint(where);
    const auto* tag = d.field("study");
    const auto* points = d.field("points");
    if (!tag || *tag != study_tag || !points)
        throw io_error(where.string() + ": not a checkpoint of study snn_convex (no journal of finished points)");
    points_ = io::json::parse(*points, where.string() + "/header.json field points");
    if (!points_.is_object()) throw io_error(where.string() + ": the journal of finished points is not an object");
    resumed_ = points_.items().size();
}

const io::json* point_journal::find(const std::string& key) const { return points_.find(key); }

void point_journal::add(const std::string& key, io::json record) {
    points_[key] = std::move(record);
    io::checkpoint_data d;
    d.fields.emplace_back("study", study_tag);
    d.fields.emplace_back("points", points_.dump(0));
    io::write_checkpoint(checkpoint_dir(run_dir_), d);
    interrupt_if_testing(++written_);
}

void point_journal::complete() {
    std::error_code ec;
    std::filesystem::remove_all(checkpoint_dir(run_dir_), ec);
}

}  // namespace einet::config
