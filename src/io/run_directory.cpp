#include "einet/io/run_directory.hpp"

#include <algorithm>
#include <ctime>

#include "einet/core/error.hpp"
#include "einet/io/atomic_file.hpp"
#include "einet/io/npy.hpp"

namespace einet::io {
namespace fs = std::filesystem;

namespace {
std::string utc_now() {
    std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}
}  // namespace

run_directory::run_directory(fs::path path, existing if_not_empty, json manifest_base)
    : path_(std::move(path)), manifest_(std::move(manifest_base)) {
    std::error_code ec;
    if (fs::exists(path_, ec)) {
        if (!fs::is_directory(path_)) throw io_error(path_.string() + " exists and is not a directory");
        if (!fs::is_empty(path_) && if_not_empty != existing::keep) {
            if (if_not_empty == existing::refuse) {
                throw io_error("output directory " + path_.string() +
                               " is not empty (pass --overwrite to replace its contents)");
            }
            // Remove only what einet writes, so a mistaken --out never deletes foreign files.
            static const char* owned[] = {"config.toml", "summary.json", "manifest.json", "log.txt",
                                          "report.html", "arrays",       "figures",
                                          "spikes.h5",   "checkpoint",  "trained_network.toml"};
            for (const char* name : owned) fs::remove_all(path_ / name, ec);
        }
    }
    fs::create_directories(path_ / "arrays", ec);
    if (ec) throw io_error("cannot create output directory " + path_.string() + ": " + ec.message());
    manifest_["status"] = "running";
    manifest_["started_utc"] = utc_now();
    write_manifest();
}

void run_directory::write_text(const std::string& name, const std::string& content) {
    fs::create_directories((path_ / name).parent_path());
    write_file_atomic(path_ / name, content);
    if (std::find(files_.begin(), files_.end(), name) == files_.end()) files_.push_back(name);
}

void run_directory::write_json(const std::string& name, const json& value) { write_text(name, value.dump()); }

void run_directory::write_array(const array_info& info, const std::vector<double>& data) {
    const std::string rel = "arrays/" + info.name + ".npy";
    write_text(rel, npy_bytes(data, info.shape));
    json entry = json::object();
    json shape = json::array();
    for (auto s : info.shape) shape.push_back(static_cast<std::uint64_t>(s));
    entry["shape"] = shape;
    entry["axes"] = info.axes;
    entry["dtype"] = "float64";
    entry["unit"] = info.unit;
    entry["description"] = info.description;
    array_index_[info.name] = entry;
    write_file_atomic(path_ / "arrays/index.json", array_index_.dump());
}

void run_directory::set_status(const std::string& status, const std::string& reason) {
    manifest_["status"] = status;
    if (!reason.empty()) manifest_["reason"] = reason;
    if (status != "running") manifest_["finished_utc"] = utc_now();
    write_manifest();
}

void run_directory::write_manifest() {
    json files = json::array();
    for (const auto& f : files_) files.push_back(f);
    manifest_["files"] = files;
    write_file_atomic(path_ / "manifest.json", manifest_.dump());
}

}  // namespace einet::io
