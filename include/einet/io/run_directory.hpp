#pragma once
// A run directory (docs/run-directory.md): config.toml, summary.json, manifest.json,
// arrays/<name>.npy with arrays/index.json, figures/, report.html. Every file is written
// atomically; manifest.json says running | complete | failed, so a directory that looks
// complete is complete.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "einet/io/json.hpp"

namespace einet::io {

struct array_info {
    std::string name;
    std::vector<std::size_t> shape;
    std::string axes;  // e.g. "trial, run"
    std::string unit;  // e.g. "Hz", "" for dimensionless
    std::string description;
};

class run_directory {
public:
    // What to do with an existing non-empty directory at <path>: refuse it (io_error), replace
    // the einet-owned files in it, or keep them (resuming an interrupted run into it).
    enum class existing { refuse, replace, keep };
    // Creates <path> (and parents) and writes the manifest with status "running".
    run_directory(std::filesystem::path path, existing if_not_empty, json manifest_base);

    const std::filesystem::path& path() const { return path_; }

    void write_text(const std::string& name, const std::string& content);
    void write_json(const std::string& name, const json& value);
    void write_array(const array_info& info, const std::vector<double>& data);

    // Adds fields to the manifest (seed, threads, timings, ...).
    json& manifest() { return manifest_; }

    // status: "running" (written at start), "complete", "failed" (with reason).
    void set_status(const std::string& status, const std::string& reason = "");

private:
    void write_manifest();
    std::filesystem::path path_;
    json manifest_;
    json array_index_ = json::object();
    std::vector<std::string> files_;
};

}  // namespace einet::io
