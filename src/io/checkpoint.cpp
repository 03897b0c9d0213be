#include "einet/io/checkpoint.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <unistd.h>

#include "einet/core/error.hpp"
#include "einet/io/atomic_file.hpp"
#include "einet/io/json.hpp"
#include "einet/io/npy.hpp"

namespace einet::io {
namespace fs = std::filesystem;

namespace {

constexpr const char* format_name = "einet-checkpoint/1";

bool plain(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

std::string file_name(const std::string& name) {
    std::string out;
    for (unsigned char c : name) {
        if (plain(static_cast<char>(c))) {
            out += static_cast<char>(c);
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        }
    }
    return out + ".npy";
}

std::string array_name(const std::string& stem) {
    std::string out;
    for (std::size_t i = 0; i < stem.size(); ++i) {
        if (stem[i] == '%' && i + 2 < stem.size()) {
            out += static_cast<char>(std::stoi(stem.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += stem[i];
        }
    }
    return out;
}

// Reads the flat object of string values that write_checkpoint writes.
std::vector<std::pair<std::string, std::string>> parse_header(const std::string& text, const std::string& where) {
    const json h = json::parse(text, where);
    if (!h.is_object()) throw io_error(where + ": malformed header: expected an object");
    std::vector<std::pair<std::string, std::string>> fields;
    for (const auto& [k, v] : h.items()) {
        if (!v.is_string()) throw io_error(where + ": malformed header: field " + k + " is not a string");
        fields.emplace_back(k, v.string());
    }
    return fields;
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw io_error("cannot read " + path.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

const std::string* checkpoint_data::field(const std::string& key) const {
    for (const auto& [k, v] : fields)
        if (k == key) return &v;
    return nullptr;
}

void write_checkpoint(const fs::path& dir, const checkpoint_data& data) {
    std::set<std::string> names;
    for (const auto& a : data.arrays)
        if (a.name.empty() || !names.insert(a.name).second)
            throw internal_error("write_checkpoint: empty or repeated array name '" + a.name + "'");
    for (const auto& [k, v] : data.fields)
        if (k == "format" || k == "arrays") throw internal_error("write_checkpoint: field name '" + k + "' is reserved");
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::exists(dir / "header.json", ec))
        throw io_error("checkpoint directory " + dir.string() + " exists and is not a checkpoint; not replacing it");

    const std::string pid = std::to_string(::getpid());
    const fs::path tmp = dir.string() + ".tmp-" + pid, old = dir.string() + ".old-" + pid;
    fs::remove_all(tmp, ec);
    fs::create_directories(tmp / "arrays", ec);
    if (ec) throw io_error("cannot create " + (tmp / "arrays").string() + ": " + ec.message());
    try {
        for (const auto& a : data.arrays)
            write_file_atomic(tmp / "arrays" / file_name(a.name), npy_bytes(a.values, {a.values.size()}));
        json header = json::object();
        header["format"] = format_name;
        header["arrays"] = std::to_string(data.arrays.size());
        for (const auto& [k, v] : data.fields) header[k] = v;
        write_file_atomic(tmp / "header.json", header.dump());

        const bool replace = fs::exists(dir, ec);
        if (replace) fs::rename(dir, old);
        fs::rename(tmp, dir);
        if (replace) fs::remove_all(old, ec);
    } catch (const fs::filesystem_error& e) {
        fs::remove_all(tmp, ec);
        throw io_error("cannot write checkpoint " + dir.string() + ": " + e.what());
    } catch (...) {
        fs::remove_all(tmp, ec);
        throw;
    }
}

checkpoint_data read_checkpoint(const fs::path& dir) {
    const std::string where = "checkpoint " + dir.string();
    if (!fs::exists(dir / "header.json")) throw io_error(where + ": no header.json (not a checkpoint directory)");
    checkpoint_data data;
    data.fields = parse_header(read_text(dir / "header.json"), where);
    const auto* format = data.field("format");
    if (!format || *format != format_name)
        throw io_error(where + ": format '" + (format ? *format : std::string("?")) + "', expected '" + format_name + "'");
    const auto* count = data.field("arrays");
    if (!fs::is_directory(dir / "arrays")) throw io_error(where + ": no arrays/ directory");
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir / "arrays"))
        if (e.path().extension() == ".npy") files.push_back(e.path());
    if (!count || std::to_string(files.size()) != *count)
        throw io_error(where + ": holds " + std::to_string(files.size()) + " arrays, its header says " +
                       (count ? *count : std::string("?")));
    std::sort(files.begin(), files.end());
    for (const auto& f : files) data.arrays.push_back({array_name(f.stem().string()), read_npy(f).data});
    // The fields the writer added are not the caller's.
    std::erase_if(data.fields, [](const auto& kv) { return kv.first == "format" || kv.first == "arrays"; });
    return data;
}

}  // namespace einet::io
