#include "einet/record/engine_checkpoint.hpp"

#include <cstdio>
#include <cstring>
#include <set>
#include <type_traits>

#include "einet/core/error.hpp"
#include "einet/io/checkpoint.hpp"

namespace einet::record {

namespace {

// FNV-1a, 64 bit: a fingerprint against resuming the wrong network, not a cryptographic hash.
class fnv1a {
public:
    void bytes(const void* data, std::size_t n) {
        const auto* p = static_cast<const unsigned char*>(data);
        for (std::size_t i = 0; i < n; ++i) h_ = (h_ ^ p[i]) * 0x100000001b3ULL;
    }
    template <class T>
        requires std::is_arithmetic_v<T> || std::is_enum_v<T>
    void add(T x) {
        bytes(&x, sizeof x);
    }
    void add(const std::string& s) {
        add(s.size());
        bytes(s.data(), s.size());
    }
    template <class T, class A>
    void add(const std::vector<T, A>& v) {
        add(v.size());
        bytes(v.data(), v.size() * sizeof(T));
    }
    std::uint64_t value() const { return h_; }

private:
    std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

void hash_population(fnv1a& h, const network::spiking_population& p) {
    h.add(p.name);
    h.add(p.n);
    h.add(p.excitatory);
    h.add(p.strict_threshold);
    const auto& l = p.lif;
    for (const auto* v : {&l.tau_m, &l.E_L, &l.V_th, &l.V_reset, &l.t_ref, &l.R, &l.I_e, &l.adapt_jump, &l.sigma_V})
        h.add(*v);
    h.add(l.tau_adapt);
    for (const auto& r : p.receptors) {
        h.add(r.name);
        h.add(r.kind);
        for (double x : {r.tau, r.noise_sigma, r.tau_rise, r.kappa, r.duration}) h.add(x);
    }
    h.add(p.V0);
}

void hash_inputs(fnv1a& h, const network::spiking_inputs& in) {
    for (const auto& s : in.steps) {
        h.add(s.population);
        h.add(s.neurons);
        for (double x : {s.start, s.stop, s.amplitude}) h.add(x);
    }
    for (const auto& s : in.poisson) {
        h.add(s.population);
        h.add(s.receptor);
        h.add(s.neurons);
        h.add(s.sources);
        for (double x : {s.rate_hz, s.weight, s.start, s.stop}) h.add(x);
    }
    for (const auto& s : in.spikes) {
        h.add(s.population);
        h.add(s.receptor);
        h.add(s.neurons);
        h.add(s.times);
        h.add(s.weight);
    }
}

std::string hex(std::uint64_t x) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(x));
    return buf;
}

const std::string& required_field(const io::checkpoint_data& d, const std::string& key, const std::string& where) {
    const auto* v = d.field(key);
    if (!v) throw config_error(where + ": the header has no '" + key + "'");
    return *v;
}

}  // namespace

std::string network_fingerprint(const network::spiking_network& net) {
    fnv1a h;
    h.add(net.dt);
    h.add(net.method);
    h.add(net.populations.size());
    for (const auto& p : net.populations) hash_population(h, p);
    h.add(net.projections.size());
    for (const auto& pr : net.projections) {
        h.add(pr.pre);
        h.add(pr.post);
        h.add(pr.receptor);
        h.add(pr.synapses.row_ptr);
        h.add(pr.synapses.target);
        h.add(pr.synapses.weight);
        h.add(pr.synapses.delay_steps);
    }
    hash_inputs(h, net.inputs);
    return hex(h.value());
}

std::string network_summary(const network::spiking_network& net) {
    std::string s;
    for (const auto& p : net.populations) s += (s.empty() ? "" : ", ") + p.name + " " + std::to_string(p.n);
    std::size_t synapses = 0;
    for (const auto& pr : net.projections) synapses += pr.synapses.size();
    char dt[32];
    std::snprintf(dt, sizeof dt, "%.10g", net.dt);
    return s + "; " + std::to_string(net.projections.size()) + " projections, " + std::to_string(synapses) +
           " synapses; dt " + dt + " ms";
}

void save_checkpoint(const std::filesystem::path& dir, const engine::spiking_engine& eng,
                     const std::vector<checkpoint_part>& parts) {
    std::set<std::string> names{"engine"};
    for (const auto& p : parts)
        if (p.name.empty() || p.name.find('/') != std::string::npos || !names.insert(p.name).second || !p.part)
            throw internal_error("save_checkpoint: part name '" + p.name + "' is empty, contains '/', repeats, or has no object");
    char time_ms[32];
    std::snprintf(time_ms, sizeof time_ms, "%.17g", eng.time());
    std::string part_list;
    for (const auto& p : parts) part_list += (part_list.empty() ? "" : ",") + p.name;

    io::checkpoint_data data;
    data.fields = {{"step", std::to_string(eng.step())},
                   {"time_ms", time_ms},
                   {"seed", std::to_string(eng.seed())},
                   {"network_fingerprint", network_fingerprint(eng.network())},
                   {"network", network_summary(eng.network())},
                   {"parts", part_list}};
    for (auto& a : eng.snapshot()) data.arrays.push_back({"engine/" + a.name, std::move(a.values)});
    for (const auto& p : parts)
        for (auto& a : p.part->save_state()) data.arrays.push_back({p.name + "/" + a.name, std::move(a.values)});
    io::write_checkpoint(dir, data);
}

void restore_checkpoint(const std::filesystem::path& dir, engine::spiking_engine& eng,
                        const std::vector<checkpoint_part>& parts) {
    const std::string where = "checkpoint " + dir.string();
    auto data = io::read_checkpoint(dir);
    const auto& seed = required_field(data, "seed", where);
    if (seed != std::to_string(eng.seed()))
        throw config_error(where + " was written with seed " + seed + ", this run has seed " + std::to_string(eng.seed()) +
                           " (a resumed run must use the checkpoint's seed)");
    if (required_field(data, "network_fingerprint", where) != network_fingerprint(eng.network()))
        throw config_error(where + " was written for a different network (checkpoint: " +
                           required_field(data, "network", where) + ", fingerprint " + *data.field("network_fingerprint") +
                           "; this run: " + network_summary(eng.network()) + ", fingerprint " +
                           network_fingerprint(eng.network()) + ")");

    // Split the arrays by owner ("engine/..." and "<part>/...").
    const auto take = [&](const std::string& owner) {
        const std::string prefix = owner + "/";
        std::vector<engine::state_array> out;
        for (auto& a : data.arrays)
            if (a.name.compare(0, prefix.size(), prefix) == 0) out.push_back({a.name.substr(prefix.size()), std::move(a.values)});
        return out;
    };
    const std::string& saved_parts = required_field(data, "parts", where);
    for (const auto& p : parts)
        if (("," + saved_parts + ",").find("," + p.name + ",") == std::string::npos)
            throw config_error(where + " has no state for '" + p.name + "' (it holds: " +
                               (saved_parts.empty() ? std::string("the engine only") : "engine," + saved_parts) + ")");
    eng.restore(take("engine"));
    for (const auto& p : parts) p.part->restore_state(take(p.name));
    if (required_field(data, "step", where) != std::to_string(eng.step()))
        throw internal_error(where + ": the engine restored to step " + std::to_string(eng.step()) + ", the header says " +
                             *data.field("step"));
}

}  // namespace einet::record
