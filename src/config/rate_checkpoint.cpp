#include "rate_checkpoint.hpp"

#include <string>

#include "einet/core/error.hpp"
#include "einet/io/checkpoint.hpp"

namespace einet::config {
namespace {

std::string key(const std::string& what, std::size_t i) { return what + "." + std::to_string(i); }

template <class T>
std::vector<double> as_doubles(const T* v, std::size_t n) {
    return std::vector<double>(v, v + n);
}

const std::vector<double>& array(const io::checkpoint_data& d, const std::string& name, std::size_t expected,
                                 const std::filesystem::path& dir) {
    for (const auto& a : d.arrays) {
        if (a.name != name) continue;
        if (expected != static_cast<std::size_t>(-1) && a.values.size() != expected) {
            throw io_error(dir.string() + ": checkpoint array " + name + " holds " + std::to_string(a.values.size()) +
                           " values, expected " + std::to_string(expected) + " (a checkpoint of another configuration?)");
        }
        return a.values;
    }
    throw io_error(dir.string() + ": checkpoint lacks array " + name);
}

std::size_t field_number(const io::checkpoint_data& d, const std::string& name, const std::filesystem::path& dir) {
    const std::string* v = d.field(name);
    if (!v) throw io_error(dir.string() + ": checkpoint lacks field " + name);
    return static_cast<std::size_t>(std::stoull(*v));
}

}  // namespace

void save_trial_checkpoint(const std::filesystem::path& dir, const engine::rate_engine& eng,
                           const plasticity::trial_results& res) {
    const auto& net = eng.network();
    const std::size_t B = eng.batch();
    io::checkpoint_data d;
    d.fields = {{"study", "trial_plasticity"},
                {"trials_done", std::to_string(res.trials_done)},
                {"absolute_step", std::to_string(eng.absolute_step())},
                {"trace_samples", std::to_string(res.trace_samples)}};
    auto add = [&](std::string name, std::vector<double> v) { d.arrays.push_back({std::move(name), std::move(v)}); };
    for (std::size_t p = 0; p < net.populations.size(); ++p) {
        const std::size_t n = net.populations[p].n * B;
        add(key("engine_rates", p), as_doubles(eng.rates(p), n));
        if (const double* V = eng.voltages(p)) add(key("engine_voltages", p), as_doubles(V, n));  // voltage-state units (spec 000 S13)
        add(key("engine_noise", p), as_doubles(const_cast<engine::rate_engine&>(eng).noise(p), n));
        add(key("measured", p), res.measured[p]);
        add(key("lowpassed", p), res.lowpassed[p]);
        add(key("unit_lowpass", p), res.unit_lowpass[p]);
    }
    for (std::size_t q = 0; q < net.projections.size(); ++q) {
        const std::size_t n = net.populations[net.projections[q].post].n * net.populations[net.projections[q].pre].n * B;
        add(key("engine_weights", q), as_doubles(eng.weights(q), n));
        add(key("weights", q), res.weights[q]);
    }
    for (std::size_t k = 0; k < net.poisson_kicks.size(); ++k) add(key("engine_kicks", k), as_doubles(eng.kick_countdown(k), B));
    add("first_sustained", as_doubles(res.first_sustained.data(), res.first_sustained.size()));
    add("traced_trials", as_doubles(res.traced_trials.data(), res.traced_trials.size()));
    std::vector<double> traces;
    for (const auto& t : res.traces) traces.insert(traces.end(), t.begin(), t.end());
    add("traces", traces);
    io::write_checkpoint(dir, d);
}

plasticity::trial_results restore_trial_checkpoint(const std::filesystem::path& dir, engine::rate_engine& eng) {
    const auto d = io::read_checkpoint(dir);
    const auto& net = eng.network();
    const std::size_t B = eng.batch(), any = static_cast<std::size_t>(-1);
    if (const auto* s = d.field("study"); !s || *s != "trial_plasticity") {
        throw io_error(dir.string() + ": not a checkpoint of study trial_plasticity");
    }
    plasticity::trial_results res;
    res.trials_done = field_number(d, "trials_done", dir);
    res.trace_samples = field_number(d, "trace_samples", dir);
    const std::size_t T = res.trials_done;
    for (std::size_t p = 0; p < net.populations.size(); ++p) {
        const std::size_t n = net.populations[p].n * B;
        const auto& r = array(d, key("engine_rates", p), n, dir);
        const auto& e = array(d, key("engine_noise", p), n, dir);
        std::copy(r.begin(), r.end(), eng.rates(p));
        if (double* V = eng.voltages(p)) {
            const auto& v = array(d, key("engine_voltages", p), n, dir);
            std::copy(v.begin(), v.end(), V);
        }
        std::copy(e.begin(), e.end(), eng.noise(p));
        res.measured.push_back(array(d, key("measured", p), T * B, dir));
        res.lowpassed.push_back(array(d, key("lowpassed", p), T * B, dir));
        res.unit_lowpass.push_back(array(d, key("unit_lowpass", p), n, dir));
    }
    for (std::size_t q = 0; q < net.projections.size(); ++q) {
        const std::size_t n = net.populations[net.projections[q].post].n * net.populations[net.projections[q].pre].n * B;
        const auto& w = array(d, key("engine_weights", q), n, dir);
        std::copy(w.begin(), w.end(), eng.weights(q));
        res.weights.push_back(array(d, key("weights", q), (T + 1) * B, dir));
    }
    for (std::size_t k = 0; k < net.poisson_kicks.size(); ++k) {
        const auto& c = array(d, key("engine_kicks", k), B, dir);
        for (std::size_t b = 0; b < B; ++b) eng.kick_countdown(k)[b] = static_cast<std::int32_t>(c[b]);
    }
    for (double f : array(d, "first_sustained", B, dir)) res.first_sustained.push_back(static_cast<long>(f));
    for (double t : array(d, "traced_trials", any, dir)) res.traced_trials.push_back(static_cast<std::size_t>(t));
    const auto& traces = array(d, "traces", any, dir);
    const std::size_t per = res.traced_trials.empty() ? 0 : traces.size() / res.traced_trials.size();
    for (std::size_t i = 0; i < res.traced_trials.size(); ++i) {
        res.traces.emplace_back(traces.begin() + static_cast<std::ptrdiff_t>(i * per),
                                traces.begin() + static_cast<std::ptrdiff_t>((i + 1) * per));
    }
    eng.set_absolute_step(field_number(d, "absolute_step", dir));
    return res;
}

}  // namespace einet::config
