#include "einet/io/sonata.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <hdf5.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <type_traits>
#include <utility>

#include "einet/core/error.hpp"

namespace einet::io {

namespace {

// ---- HDF5 errors ---------------------------------------------------------------------------

// HDF5 prints its error stack to stderr by default; einet reports errors itself. In a
// thread-safe HDF5 build the setting is per thread, hence thread_local.
void silence_hdf5() {
    thread_local bool silenced = false;
    if (!silenced) {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        silenced = true;
    }
}

struct error_walk {
    bool found = false;
    std::string func, desc;
    hid_t min_num = -1;
};

herr_t first_error(unsigned, const H5E_error2_t* e, void* data) {
    auto* w = static_cast<error_walk*>(data);
    if (!w->found) {
        w->found = true;
        w->func = e->func_name ? e->func_name : "";
        w->desc = e->desc ? e->desc : "";
        w->min_num = e->min_num;
    }
    return 0;
}

// The most specific message on the current thread's HDF5 error stack, then clears the stack.
std::string hdf5_message() {
    error_walk w;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, first_error, &w);
    std::string msg;
    if (w.found) {
        char minor[256] = {0};
        if (w.min_num >= 0 && H5Eget_msg(w.min_num, nullptr, minor, sizeof minor) > 0) msg = minor;
        if (!w.desc.empty()) msg += (msg.empty() ? "" : ": ") + w.desc;
        if (!w.func.empty()) msg += " [in " + w.func + "]";
    }
    H5Eclear2(H5E_DEFAULT);
    return msg.empty() ? "no HDF5 error message" : msg;
}

[[noreturn]] void fail(const std::string& file, const std::string& what) {
    throw io_error("SONATA spike file " + file + ": " + what + " (HDF5: " + hdf5_message() + ")");
}

[[noreturn]] void bad_file(const std::string& file, const std::string& what) {
    throw io_error("SONATA spike file " + file + ": " + what);
}

void check(herr_t r, const std::string& file, const std::string& what) {
    if (r < 0) fail(file, what);
}

// ---- RAII for hid_t --------------------------------------------------------------------------

class h5id {
public:
    using closer = herr_t (*)(hid_t);
    h5id() = default;
    h5id(hid_t id, closer c) noexcept : id_(id), close_(c) {}
    h5id(const h5id&) = delete;
    h5id& operator=(const h5id&) = delete;
    h5id(h5id&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), close_(o.close_) {}
    h5id& operator=(h5id&& o) noexcept {
        if (this != &o) {
            reset();
            id_ = std::exchange(o.id_, H5I_INVALID_HID);
            close_ = o.close_;
        }
        return *this;
    }
    ~h5id() { reset(); }

    hid_t get() const noexcept { return id_; }
    bool valid() const noexcept { return id_ >= 0; }
    // Closes now and reports failure (the handle is released either way).
    herr_t close() noexcept {
        if (!valid()) return 0;
        const herr_t r = close_(std::exchange(id_, H5I_INVALID_HID));
        return r;
    }
    void reset() noexcept {
        if (close() < 0) H5Eclear2(H5E_DEFAULT);
    }

private:
    hid_t id_ = H5I_INVALID_HID;
    closer close_ = nullptr;
};

h5id checked(hid_t id, h5id::closer c, const std::string& file, const std::string& what) {
    if (id < 0) fail(file, what);
    return h5id(id, c);
}

h5id make_plist(hid_t cls, const std::string& file) {
    return checked(H5Pcreate(cls), H5Pclose, file, "cannot create a property list");
}

// The writer holds no HDF5 file lock (so another process may read a flushed partial file);
// the reader takes none either, so it also works on the writer's open file in this process
// (HDF5 refuses to share an open file between differing locking settings) and on file systems
// without locks.
void no_file_locking(hid_t fapl, const std::string& file) {
#if H5_VERSION_GE(1, 10, 7)
    check(H5Pset_file_locking(fapl, false, true), file, "cannot disable file locking");
#else
    (void)fapl;
    (void)file;
#endif
}

// ---- attributes --------------------------------------------------------------------------

void write_attribute(hid_t loc, const char* name, hid_t file_type, hid_t mem_type, hid_t space, const void* value,
                     const std::string& file, const std::string& where) {
    const auto what = std::string("attribute ") + where + ":" + name;
    auto a = checked(H5Acreate2(loc, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, file,
                     "cannot create " + what);
    check(H5Awrite(a.get(), mem_type, value), file, "cannot write " + what);
    check(a.close(), file, "cannot close " + what);
}

h5id scalar_space(const std::string& file) {
    return checked(H5Screate(H5S_SCALAR), H5Sclose, file, "cannot create a scalar dataspace");
}

h5id utf8_string_type(const std::string& file) {
    auto t = checked(H5Tcopy(H5T_C_S1), H5Tclose, file, "cannot copy the string type");
    check(H5Tset_size(t.get(), H5T_VARIABLE), file, "cannot make a variable-length string type");
    check(H5Tset_cset(t.get(), H5T_CSET_UTF8), file, "cannot set the UTF-8 character set");
    return t;
}

h5id sorting_enum_type(const std::string& file) {
    auto t = checked(H5Tenum_create(H5T_NATIVE_UINT8), H5Tclose, file, "cannot create the sorting enum type");
    const std::pair<const char*, std::uint8_t> members[] = {{"none", 0}, {"by_id", 1}, {"by_time", 2}};
    for (const auto& [name, value] : members)
        check(H5Tenum_insert(t.get(), name, &value), file, std::string("cannot insert enum member ") + name);
    return t;
}

// Reads a string attribute (variable-length or fixed-size).
std::string read_string_attribute(hid_t loc, const char* name, const std::string& file, const std::string& where) {
    const auto what = std::string("attribute ") + where + ":" + name;
    auto a = checked(H5Aopen(loc, name, H5P_DEFAULT), H5Aclose, file, "cannot open " + what);
    auto t = checked(H5Aget_type(a.get()), H5Tclose, file, "cannot get the type of " + what);
    if (H5Tget_class(t.get()) != H5T_STRING) bad_file(file, what + " is not a string");
    auto space = checked(H5Aget_space(a.get()), H5Sclose, file, "cannot get the dataspace of " + what);
    if (H5Sget_simple_extent_npoints(space.get()) != 1) bad_file(file, what + " is not a single string");
    const htri_t vlen = H5Tis_variable_str(t.get());
    if (vlen < 0) fail(file, "cannot inspect the type of " + what);
    if (vlen) {
        auto mem = utf8_string_type(file);
        check(H5Tset_cset(mem.get(), H5Tget_cset(t.get())), file, "cannot set a string character set");
        char* s = nullptr;
        check(H5Aread(a.get(), mem.get(), &s), file, "cannot read " + what);
        std::string out = s ? s : "";
        if (s) H5free_memory(s);
        return out;
    }
    const std::size_t size = H5Tget_size(t.get());
    if (size == 0) fail(file, "cannot get the size of " + what);
    std::string out(size, '\0');
    check(H5Aread(a.get(), t.get(), out.data()), file, "cannot read " + what);
    out.resize(std::strlen(out.c_str()));
    while (!out.empty() && out.back() == ' ') out.pop_back();  // H5T_STR_SPACEPAD
    return out;
}

// ---- datasets ------------------------------------------------------------------------------

h5id create_spike_dataset(hid_t group, const char* name, hid_t file_type, hid_t dcpl, const std::string& file,
                          const std::string& where) {
    const hsize_t dims[1] = {0};
    const hsize_t maxdims[1] = {H5S_UNLIMITED};
    auto space = checked(H5Screate_simple(1, dims, maxdims), H5Sclose, file, "cannot create an extendible dataspace");
    return checked(H5Dcreate2(group, name, file_type, space.get(), H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose, file,
                   "cannot create dataset " + where + "/" + name);
}

// Transfers n elements at [offset, offset + n) of a 1-D dataset (whose extent covers them) with
// H5Dwrite or H5Dread: the selection is the same both ways.
template <class Transfer, class Data>
void transfer_slab(Transfer transfer, hid_t ds, hid_t mem_type, hsize_t offset, hsize_t n, Data data,
                   const std::string& file, const std::string& what, const char* verb) {
    auto fspace = checked(H5Dget_space(ds), H5Sclose, file, "cannot get the dataspace of " + what);
    const hsize_t start[1] = {offset}, count[1] = {n};
    check(H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start, nullptr, count, nullptr), file,
          "cannot select elements of " + what);
    auto mspace = checked(H5Screate_simple(1, count, nullptr), H5Sclose, file, "cannot create a memory dataspace");
    check(transfer(ds, mem_type, mspace.get(), fspace.get(), H5P_DEFAULT, data), file, std::string(verb) + what);
}

void write_slab(hid_t ds, hid_t mem_type, hsize_t offset, hsize_t n, const void* data, const std::string& file,
                const std::string& what) {
    transfer_slab(H5Dwrite, ds, mem_type, offset, n, data, file, what, "cannot write ");
}

void read_slab(hid_t ds, hid_t mem_type, hsize_t offset, hsize_t n, void* data, const std::string& file,
               const std::string& what) {
    transfer_slab(H5Dread, ds, mem_type, offset, n, data, file, what, "cannot read ");
}

// Length of a 1-D dataset (throws if it is not 1-D).
hsize_t extent_1d(hid_t ds, const std::string& file, const std::string& what) {
    auto space = checked(H5Dget_space(ds), H5Sclose, file, "cannot get the dataspace of " + what);
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 0) fail(file, "cannot get the rank of " + what);
    if (rank != 1) bad_file(file, what + " has rank " + std::to_string(rank) + ", expected 1");
    hsize_t dims[1] = {0};
    if (H5Sget_simple_extent_dims(space.get(), dims, nullptr) < 0) fail(file, "cannot get the extent of " + what);
    return dims[0];
}

void fsync_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) throw io_error("SONATA spike file " + path + ": cannot open for fsync: " + std::strerror(errno));
    const int r = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (r != 0) throw io_error("SONATA spike file " + path + ": fsync failed: " + std::strerror(err));
}

// Spike times in messages: every digit, so close times are told apart.
std::string time_str(double t) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", t);
    return buf;
}

void validate_population_names(const std::vector<std::string>& names) {
    for (std::size_t i = 0; i < names.size(); ++i) {
        const auto& n = names[i];
        if (n.empty() || n == "." || n.find('/') != std::string::npos || n.find('\0') != std::string::npos)
            throw internal_error("sonata_spike_writer: invalid population name '" + n + "'");
        for (std::size_t j = 0; j < i; ++j)
            if (names[j] == n) throw internal_error("sonata_spike_writer: duplicate population name '" + n + "'");
    }
}

}  // namespace

// ---- writer --------------------------------------------------------------------------------

struct sonata_spike_writer::state {
    struct population {
        std::string name;
        h5id group, timestamps, node_ids;
        std::uint64_t written = 0;  // spikes in the datasets
        std::vector<double> buf_t;  // spikes not yet written
        std::vector<std::uint64_t> buf_id;
        bool has_last = false;  // the last spike appended (ordering check)
        double last_t = 0;
        std::uint64_t last_id = 0;
    };
    std::filesystem::path path, tmp;
    std::string tmp_name;  // for messages
    h5id file;
    std::vector<population> pops;
    bool closed = false;
    bool failed = false;  // an HDF5 write failed: the file is discarded on close

    population& pop(std::size_t p, const char* fn) {
        if (closed) throw internal_error(std::string("sonata_spike_writer::") + fn + " after close()");
        if (p >= pops.size())
            throw internal_error(std::string("sonata_spike_writer::") + fn + ": population " + std::to_string(p) +
                                 " out of range (" + std::to_string(pops.size()) + " populations)");
        return pops[p];
    }

    void write_buffer(population& q) {
        const std::size_t m = q.buf_t.size();
        if (m == 0) return;
        const std::string where = "/spikes/" + q.name;
        const hsize_t size[1] = {q.written + m};
        check(H5Dset_extent(q.timestamps.get(), size), tmp_name, "cannot extend " + where + "/timestamps");
        check(H5Dset_extent(q.node_ids.get(), size), tmp_name, "cannot extend " + where + "/node_ids");
        write_slab(q.timestamps.get(), H5T_NATIVE_DOUBLE, q.written, m, q.buf_t.data(), tmp_name,
                   where + "/timestamps");
        write_slab(q.node_ids.get(), H5T_NATIVE_UINT64, q.written, m, q.buf_id.data(), tmp_name, where + "/node_ids");
        q.written += m;
        q.buf_t.clear();
        q.buf_id.clear();
    }

    void write_all() {
        for (auto& q : pops) write_buffer(q);
    }

    // Marks the writer failed when an I/O step throws.
    template <class F>
    void guarded(F&& f) {
        if (failed) throw io_error("SONATA spike file " + tmp_name + ": an earlier write failed");
        try {
            f();
        } catch (const io_error&) {
            failed = true;
            throw;
        }
    }
};

sonata_spike_writer::sonata_spike_writer(std::filesystem::path path, std::vector<std::string> populations)
    : s_(std::make_unique<state>()) {
    silence_hdf5();
    validate_population_names(populations);
    auto& s = *s_;
    s.path = std::move(path);
    s.tmp = s.path.string() + ".tmp-" + std::to_string(::getpid());
    s.tmp_name = s.tmp.string();
    const auto& f = s.tmp_name;

    try {
        auto fapl = make_plist(H5P_FILE_ACCESS, f);
        no_file_locking(fapl.get(), f);
        s.file = checked(H5Fcreate(f.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose, f,
                         "cannot create the file");

        auto scalar = scalar_space(f);
        write_attribute(s.file.get(), "magic", H5T_STD_U32LE, H5T_NATIVE_UINT32, scalar.get(), &sonata_magic, f, "/");
        const hsize_t two[1] = {2};
        auto pair = checked(H5Screate_simple(1, two, nullptr), H5Sclose, f, "cannot create a dataspace");
        write_attribute(s.file.get(), "version", H5T_STD_U32LE, H5T_NATIVE_UINT32, pair.get(), sonata_version, f, "/");

        // No modification times in object headers: the same spikes give the same bytes.
        auto gcpl = make_plist(H5P_GROUP_CREATE, f);
        check(H5Pset_obj_track_times(gcpl.get(), false), f, "cannot disable group time tracking");
        auto dcpl = make_plist(H5P_DATASET_CREATE, f);
        check(H5Pset_obj_track_times(dcpl.get(), false), f, "cannot disable dataset time tracking");
        const hsize_t chunk[1] = {sonata_chunk};
        check(H5Pset_chunk(dcpl.get(), 1, chunk), f, "cannot set the chunk size");

        auto spikes = checked(H5Gcreate2(s.file.get(), "spikes", H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose, f,
                              "cannot create group /spikes");
        auto sorting_type = sorting_enum_type(f);
        auto units_type = utf8_string_type(f);
        const std::uint8_t by_time = 2;
        const char* ms = "ms";

        s.pops.resize(populations.size());
        for (std::size_t p = 0; p < populations.size(); ++p) {
            auto& q = s.pops[p];
            q.name = std::move(populations[p]);
            const std::string where = "/spikes/" + q.name;
            q.group = checked(H5Gcreate2(spikes.get(), q.name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose,
                              f, "cannot create group " + where);
            write_attribute(q.group.get(), "sorting", sorting_type.get(), sorting_type.get(), scalar.get(), &by_time, f,
                            where);
            q.timestamps = create_spike_dataset(q.group.get(), "timestamps", H5T_IEEE_F64LE, dcpl.get(), f, where);
            write_attribute(q.timestamps.get(), "units", units_type.get(), units_type.get(), scalar.get(), &ms, f,
                            where + "/timestamps");
            q.node_ids = create_spike_dataset(q.group.get(), "node_ids", H5T_STD_U64LE, dcpl.get(), f, where);
            q.buf_t.reserve(sonata_chunk);
            q.buf_id.reserve(sonata_chunk);
        }
        check(spikes.close(), f, "cannot close group /spikes");
    } catch (...) {
        s.pops.clear();
        s.file.reset();
        std::error_code ec;
        std::filesystem::remove(s.tmp, ec);
        throw;
    }
}

sonata_spike_writer::~sonata_spike_writer() {
    if (!s_ || s_->closed) return;
    try {
        close();
    } catch (...) {
        // Never throws; close() already removed the temporary file.
    }
}

sonata_spike_writer::sonata_spike_writer(sonata_spike_writer&&) noexcept = default;

sonata_spike_writer& sonata_spike_writer::operator=(sonata_spike_writer&& o) noexcept {
    if (this != &o) {
        if (s_ && !s_->closed) {
            try {
                close();
            } catch (...) {
            }
        }
        s_ = std::move(o.s_);
    }
    return *this;
}

void sonata_spike_writer::append(std::size_t population, const double* t_ms, const std::uint64_t* node_ids,
                                 std::size_t n) {
    auto& q = s_->pop(population, "append");
    if (n == 0) return;
    if (!t_ms || !node_ids) throw internal_error("sonata_spike_writer::append: null spike arrays");

    // Validate the whole batch first, so a bad batch appends nothing.
    bool has_prev = q.has_last;
    double prev_t = q.last_t;
    std::uint64_t prev_id = q.last_id;
    for (std::size_t i = 0; i < n; ++i) {
        const double t = t_ms[i];
        const std::uint64_t id = node_ids[i];
        if (!std::isfinite(t))
            throw internal_error("sonata_spike_writer::append: non-finite spike time in population " + q.name);
        if (has_prev && (t < prev_t || (t == prev_t && id <= prev_id)))
            throw internal_error("sonata_spike_writer::append: spikes of population " + q.name +
                                 " out of order: (t = " + time_str(t) + " ms, id " + std::to_string(id) +
                                 ") after (t = " + time_str(prev_t) + " ms, id " + std::to_string(prev_id) + ")");
        has_prev = true;
        prev_t = t;
        prev_id = id;
    }

    s_->guarded([&] {
        std::size_t i = 0;
        while (i < n) {
            const std::size_t take = std::min(n - i, sonata_chunk - std::min(q.buf_t.size(), sonata_chunk));
            q.buf_t.insert(q.buf_t.end(), t_ms + i, t_ms + i + take);
            q.buf_id.insert(q.buf_id.end(), node_ids + i, node_ids + i + take);
            i += take;
            if (q.buf_t.size() >= sonata_chunk) s_->write_buffer(q);
        }
    });
    q.has_last = true;
    q.last_t = prev_t;
    q.last_id = prev_id;
}

void sonata_spike_writer::flush() {
    if (s_->closed) throw internal_error("sonata_spike_writer::flush after close()");
    s_->guarded([&] {
        s_->write_all();
        check(H5Fflush(s_->file.get(), H5F_SCOPE_LOCAL), s_->tmp_name, "cannot flush the file");
    });
}

void sonata_spike_writer::close() {
    auto& s = *s_;
    if (s.closed) return;
    s.closed = true;
    const auto discard = [&] {
        s.pops.clear();
        s.file.reset();
        std::error_code ec;
        std::filesystem::remove(s.tmp, ec);
    };
    if (s.failed) {
        discard();
        throw io_error("SONATA spike file " + s.tmp_name + ": discarded after an earlier write failed");
    }
    try {
        s.write_all();
        for (auto& q : s.pops) {
            const std::string where = "/spikes/" + q.name;
            check(q.timestamps.close(), s.tmp_name, "cannot close dataset " + where + "/timestamps");
            check(q.node_ids.close(), s.tmp_name, "cannot close dataset " + where + "/node_ids");
            check(q.group.close(), s.tmp_name, "cannot close group " + where);
            q.buf_t = {};
            q.buf_id = {};
        }
        check(s.file.close(), s.tmp_name, "cannot close the file");
        fsync_file(s.tmp_name);
        std::error_code ec;
        std::filesystem::rename(s.tmp, s.path, ec);
        if (ec)
            throw io_error("SONATA spike file: cannot rename " + s.tmp_name + " to " + s.path.string() + ": " +
                           ec.message());
    } catch (...) {
        discard();
        throw;
    }
}

std::uint64_t sonata_spike_writer::count(std::size_t population) const {
    if (population >= s_->pops.size())
        throw internal_error("sonata_spike_writer::count: population " + std::to_string(population) + " out of range");
    const auto& q = s_->pops[population];
    return q.written + q.buf_t.size();
}

void sonata_spike_writer::truncate(const std::vector<std::uint64_t>& n_per_population) {
    auto& s = *s_;
    if (s.closed) throw internal_error("sonata_spike_writer::truncate after close()");
    if (n_per_population.size() != s.pops.size())
        throw internal_error("sonata_spike_writer::truncate: " + std::to_string(n_per_population.size()) +
                             " counts for " + std::to_string(s.pops.size()) + " populations");
    for (std::size_t p = 0; p < s.pops.size(); ++p)
        if (n_per_population[p] > count(p))
            throw internal_error("sonata_spike_writer::truncate: population " + s.pops[p].name + " has " +
                                 std::to_string(count(p)) + " spikes, cannot keep " +
                                 std::to_string(n_per_population[p]));
    s.guarded([&] {
        for (std::size_t p = 0; p < s.pops.size(); ++p) {
            auto& q = s.pops[p];
            const std::uint64_t n = n_per_population[p];
            const std::string where = "/spikes/" + q.name;
            if (n >= q.written) {
                q.buf_t.resize(static_cast<std::size_t>(n - q.written));
                q.buf_id.resize(static_cast<std::size_t>(n - q.written));
            } else {
                q.buf_t.clear();
                q.buf_id.clear();
                const hsize_t size[1] = {n};
                check(H5Dset_extent(q.timestamps.get(), size), s.tmp_name, "cannot shrink " + where + "/timestamps");
                check(H5Dset_extent(q.node_ids.get(), size), s.tmp_name, "cannot shrink " + where + "/node_ids");
                q.written = n;
            }
            // The new last spike, for the ordering check of later appends.
            q.has_last = n > 0;
            if (!q.buf_t.empty()) {
                q.last_t = q.buf_t.back();
                q.last_id = q.buf_id.back();
            } else if (n > 0) {
                read_slab(q.timestamps.get(), H5T_NATIVE_DOUBLE, n - 1, 1, &q.last_t, s.tmp_name,
                          where + "/timestamps");
                read_slab(q.node_ids.get(), H5T_NATIVE_UINT64, n - 1, 1, &q.last_id, s.tmp_name, where + "/node_ids");
            }
        }
    });
}

const std::filesystem::path& sonata_spike_writer::path() const noexcept { return s_->path; }
const std::filesystem::path& sonata_spike_writer::temporary_path() const noexcept { return s_->tmp; }

// ---- reader --------------------------------------------------------------------------------

namespace {

herr_t collect_name(hid_t, const char* name, const H5L_info_t*, void* data) {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
}

// Reads a whole 1-D dataset `name` under `loc`, converted to the memory type of T.
template <class T>
std::vector<T> read_dataset(hid_t loc, const std::string& name, const std::string& file, const std::string& where) {
    const std::string what = where + "/" + name;
    auto ds = checked(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), H5Dclose, file, "cannot open dataset " + what);
    auto type = checked(H5Dget_type(ds.get()), H5Tclose, file, "cannot get the type of " + what);
    const H5T_class_t cls = H5Tget_class(type.get());
    const hsize_t n = extent_1d(ds.get(), file, what);
    std::vector<T> out(static_cast<std::size_t>(n));
    if constexpr (std::is_same_v<T, double>) {
        if (cls != H5T_FLOAT && cls != H5T_INTEGER) bad_file(file, what + " is not numeric");
        if (n > 0) read_slab(ds.get(), H5T_NATIVE_DOUBLE, 0, n, out.data(), file, what);
    } else {
        if (cls != H5T_INTEGER) bad_file(file, what + " is not an integer dataset");
        const H5T_sign_t sign = H5Tget_sign(type.get());
        if (sign == H5T_SGN_ERROR) fail(file, "cannot get the signedness of " + what);
        if (n > 0) {
            if (sign == H5T_SGN_NONE) {
                read_slab(ds.get(), H5T_NATIVE_UINT64, 0, n, out.data(), file, what);
            } else {
                std::vector<std::int64_t> tmp(out.size());
                read_slab(ds.get(), H5T_NATIVE_INT64, 0, n, tmp.data(), file, what);
                for (std::size_t i = 0; i < tmp.size(); ++i) {
                    if (tmp[i] < 0) bad_file(file, what + " holds a negative node id");
                    out[i] = static_cast<std::uint64_t>(tmp[i]);
                }
            }
        }
    }
    if constexpr (std::is_same_v<T, double>) {
        const htri_t has_units = H5Aexists(ds.get(), "units");
        if (has_units < 0) fail(file, "cannot look up attribute " + what + ":units");
        if (has_units) {
            const auto units = read_string_attribute(ds.get(), "units", file, what);
            if (units != "ms") bad_file(file, what + " has units '" + units + "', expected 'ms'");
        }
    }
    return out;
}

bool link_exists(hid_t loc, const char* name, const std::string& file, const std::string& where) {
    const htri_t r = H5Lexists(loc, name, H5P_DEFAULT);
    if (r < 0) fail(file, std::string("cannot look up ") + where + "/" + name);
    return r > 0;
}

spike_train_set read_pair(hid_t loc, const char* ids_name, const std::string& file, const std::string& where) {
    for (const char* name : {"timestamps", ids_name})
        if (!link_exists(loc, name, file, where)) bad_file(file, "missing dataset " + where + "/" + name);
    spike_train_set out;
    out.t_ms = read_dataset<double>(loc, "timestamps", file, where);
    out.node_ids = read_dataset<std::uint64_t>(loc, ids_name, file, where);
    if (out.t_ms.size() != out.node_ids.size())
        bad_file(file, where + ": " + std::to_string(out.t_ms.size()) + " timestamps but " +
                           std::to_string(out.node_ids.size()) + " " + ids_name);
    return out;
}

}  // namespace

std::map<std::string, spike_train_set> read_sonata_spikes(const std::filesystem::path& path) {
    silence_hdf5();
    const std::string f = path.string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) bad_file(f, "no such file");

    auto fapl = make_plist(H5P_FILE_ACCESS, f);
    no_file_locking(fapl.get(), f);
    auto file = checked(H5Fopen(f.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose, f, "cannot open as HDF5");

    const htri_t has_magic = H5Aexists(file.get(), "magic");
    if (has_magic < 0) fail(f, "cannot look up attribute /:magic");
    if (has_magic) {
        auto a = checked(H5Aopen(file.get(), "magic", H5P_DEFAULT), H5Aclose, f, "cannot open attribute /:magic");
        auto space = checked(H5Aget_space(a.get()), H5Sclose, f, "cannot get the dataspace of /:magic");
        if (H5Sget_simple_extent_npoints(space.get()) != 1) bad_file(f, "attribute /:magic is not a single value");
        std::uint32_t magic = 0;
        check(H5Aread(a.get(), H5T_NATIVE_UINT32, &magic), f, "cannot read attribute /:magic");
        if (magic != sonata_magic) bad_file(f, "magic is " + std::to_string(magic) + ", not 0x0A7A (2682)");
    }

    if (!link_exists(file.get(), "spikes", f, "")) bad_file(f, "no /spikes group");
    auto spikes = checked(H5Gopen2(file.get(), "spikes", H5P_DEFAULT), H5Gclose, f, "cannot open group /spikes");
    std::vector<std::string> names;
    check(H5Literate(spikes.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_name, &names), f,
          "cannot list group /spikes");

    std::map<std::string, spike_train_set> out;
    bool legacy = false;
    for (const auto& name : names) {
        auto obj = checked(H5Oopen(spikes.get(), name.c_str(), H5P_DEFAULT), H5Oclose, f,
                           "cannot open /spikes/" + name);
        const H5I_type_t type = H5Iget_type(obj.get());
        if (type == H5I_GROUP) {
            out.emplace(name, read_pair(obj.get(), "node_ids", f, "/spikes/" + name));
        } else if (type == H5I_DATASET && name == "timestamps") {
            legacy = true;
        }
    }
    if (legacy) {
        if (out.count("default")) bad_file(f, "both a legacy /spikes/timestamps and a population 'default'");
        out.emplace("default", read_pair(spikes.get(), "gids", f, "/spikes"));
    }
    check(spikes.close(), f, "cannot close group /spikes");
    check(file.close(), f, "cannot close the file");
    return out;
}

}  // namespace einet::io
