// The spiking engine from Python: run_spiking builds a spiking_network from plain dicts and arrays
// (the description network/spiking_network.hpp defines and the config layer lowers to), runs it and
// returns spikes and traces. Every dict key is checked: an unknown or malformed key is refused with
// a ValueError (einet.ConfigError) naming it, e.g. `populations[1].receptors[0].tau_rise: ...`.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <set>

#include "einet/core/error.hpp"
#include "einet/engine/spiking_engine.hpp"
#include "einet/record/hook_list.hpp"
#include "einet/record/spike_recorder.hpp"
#include "einet/record/trace_recorder.hpp"

namespace py = pybind11;
using namespace einet;

namespace {

[[noreturn]] void fail(const std::string& where, const std::string& what) { throw config_error(where + ": " + what); }

// Refuses keys outside `allowed` (a typo would otherwise be ignored silently).
void check_keys(const py::dict& d, const std::set<std::string>& allowed, const std::string& where) {
    for (auto item : d) {
        if (!py::isinstance<py::str>(item.first)) fail(where, "expected string keys");
        const auto key = item.first.cast<std::string>();
        if (!allowed.count(key)) {
            std::string list;
            for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
            fail(where + "." + key, "unknown key (expected one of " + list + ")");
        }
    }
}

py::dict as_dict(py::handle h, const std::string& where) {
    if (!py::isinstance<py::dict>(h)) fail(where, "expected a dict");
    return py::reinterpret_borrow<py::dict>(h);
}

template <class T>
T get(const py::dict& d, const char* key, const std::string& where) {
    try {
        return d[key].cast<T>();
    } catch (const py::cast_error&) {
        fail(where + "." + key, "has the wrong type (got " + std::string(py::str(py::type::of(d[key]))) + ")");
    }
}

template <class T>
T get_or(const py::dict& d, const char* key, T fallback, const std::string& where) {
    return d.contains(key) ? get<T>(d, key, where) : fallback;
}

bool is_scalar(const py::handle& v) {
    return py::isinstance<py::float_>(v) || py::isinstance<py::int_>(v) ||
           (py::isinstance<py::array>(v) && py::reinterpret_borrow<py::array>(v).ndim() == 0);
}

// A scalar or an array of n values.
std::vector<double> per_neuron(const py::dict& d, const char* key, std::size_t n, double fallback, bool required,
                               const std::string& where) {
    if (!d.contains(key)) {
        if (required) fail(where, std::string("missing \"") + key + "\"");
        return std::vector<double>(n, fallback);
    }
    py::object v = d[key];
    if (is_scalar(v)) return std::vector<double>(n, v.cast<double>());
    auto a = get<std::vector<double>>(d, key, where);
    if (a.size() != n) fail(where + "." + key, "has " + std::to_string(a.size()) + " values, expected " + std::to_string(n));
    return a;
}

// A population given by index or by name.
std::size_t population_ref(const py::dict& d, const char* key, const network::spiking_network& net, const std::string& where) {
    if (!d.contains(key)) fail(where, std::string("missing \"") + key + "\"");
    py::object v = d[key];
    std::size_t p = network::spiking_population::npos;
    if (py::isinstance<py::str>(v)) {
        p = net.population_index(v.cast<std::string>());
        if (p == network::spiking_population::npos) fail(where + "." + key, "no population called \"" + v.cast<std::string>() + "\"");
    } else {
        const auto k = get<long long>(d, key, where);
        if (k < 0 || static_cast<std::size_t>(k) >= net.populations.size()) {
            fail(where + "." + key, "population index " + std::to_string(k) + " out of range (" + std::to_string(net.populations.size()) + " populations)");
        }
        p = static_cast<std::size_t>(k);
    }
    return p;
}

// A receptor of population `pop` given by index or by name (default 0).
std::size_t receptor_ref(const py::dict& d, const network::spiking_population& pop, const std::string& where) {
    if (!d.contains("receptor")) return 0;
    py::object v = d["receptor"];
    if (py::isinstance<py::str>(v)) {
        const auto r = pop.receptor_index(v.cast<std::string>());
        if (r == network::spiking_population::npos) fail(where + ".receptor", "population " + pop.name + " has no receptor \"" + v.cast<std::string>() + "\"");
        return r;
    }
    const auto k = get<long long>(d, "receptor", where);
    if (k < 0 || static_cast<std::size_t>(k) >= pop.receptors.size()) {
        fail(where + ".receptor", "receptor index " + std::to_string(k) + " out of range (population " + pop.name + " has " +
                                      std::to_string(pop.receptors.size()) + ")");
    }
    return static_cast<std::size_t>(k);
}

std::vector<std::uint32_t> neuron_ids(const py::dict& d, const std::string& where) {
    if (!d.contains("neurons")) return {};
    const auto ids = get<std::vector<long long>>(d, "neurons", where);
    std::vector<std::uint32_t> out;
    for (auto i : ids) {
        if (i < 0 || i > std::numeric_limits<std::uint32_t>::max()) fail(where + ".neurons", "expected neuron ids >= 0, got " + std::to_string(i));
        out.push_back(static_cast<std::uint32_t>(i));
    }
    return out;
}

network::receptor parse_receptor(const py::dict& rd, const std::string& where) {
    check_keys(rd, {"name", "kind", "tau", "tau_rise", "kappa", "duration", "noise_sigma"}, where);
    network::receptor rc;
    rc.name = get_or<std::string>(rd, "name", "r", where);
    rc.kind = network::parse_kinetics(get_or<std::string>(rd, "kind", "exponential", where), where + ".kind");
    rc.tau = get_or<double>(rd, "tau", rc.tau, where);
    rc.tau_rise = get_or<double>(rd, "tau_rise", rc.tau_rise, where);
    rc.kappa = get_or<double>(rd, "kappa", rc.kappa, where);
    rc.duration = get_or<double>(rd, "duration", rc.duration, where);
    rc.noise_sigma = get_or<double>(rd, "noise_sigma", 0.0, where);
    return rc;
}

network::spiking_population parse_population(const py::dict& d, std::size_t index) {
    std::string where = "populations[" + std::to_string(index) + "]";
    check_keys(d,
               {"name", "n", "excitatory", "strict_threshold", "tau_m", "E_L", "V_th", "V_reset", "t_ref", "R", "I_e", "V0",
                "adapt_jump", "tau_adapt", "sigma_V", "receptors"},
               where);
    network::spiking_population p;
    p.name = get_or<std::string>(d, "name", "P" + std::to_string(index), where);
    if (!d.contains("n")) fail(where, "missing \"n\"");
    const auto n = get<long long>(d, "n", where);
    if (n <= 0) fail(where + ".n", "expected at least one neuron, got " + std::to_string(n));
    p.n = static_cast<std::size_t>(n);
    p.excitatory = get_or<bool>(d, "excitatory", true, where);
    p.strict_threshold = get_or<bool>(d, "strict_threshold", false, where);
    p.lif.tau_m = per_neuron(d, "tau_m", p.n, 0, true, where);
    p.lif.E_L = per_neuron(d, "E_L", p.n, 0, true, where);
    p.lif.V_th = per_neuron(d, "V_th", p.n, 0, true, where);
    p.lif.V_reset = per_neuron(d, "V_reset", p.n, 0, true, where);
    p.lif.t_ref = per_neuron(d, "t_ref", p.n, 0, false, where);
    p.lif.R = per_neuron(d, "R", p.n, 1, false, where);
    p.lif.I_e = per_neuron(d, "I_e", p.n, 0, false, where);
    // Absent (or None): no adaptation / no membrane noise (the engine skips those terms).
    if (d.contains("adapt_jump") && !d["adapt_jump"].is_none()) p.lif.adapt_jump = per_neuron(d, "adapt_jump", p.n, 0, true, where);
    if (d.contains("sigma_V") && !d["sigma_V"].is_none()) p.lif.sigma_V = per_neuron(d, "sigma_V", p.n, 0, true, where);
    p.lif.tau_adapt = get_or<double>(d, "tau_adapt", p.lif.tau_adapt, where);
    p.V0 = d.contains("V0") ? per_neuron(d, "V0", p.n, 0, true, where) : p.lif.E_L;
    if (d.contains("receptors")) {
        const auto list = get<py::list>(d, "receptors", where);
        for (std::size_t k = 0; k < list.size(); ++k) {
            p.receptors.push_back(parse_receptor(as_dict(list[k], where + ".receptors[" + std::to_string(k) + "]"),
                                                 where + ".receptors[" + std::to_string(k) + "]"));
        }
    }
    return p;
}

network::spiking_projection parse_projection(const py::dict& d, std::size_t index, const network::spiking_network& net) {
    const std::string where = "projections[" + std::to_string(index) + "]";
    check_keys(d, {"pre", "post", "receptor", "sources", "targets", "weights", "delays"}, where);
    network::spiking_projection pr;
    pr.pre = population_ref(d, "pre", net, where);
    pr.post = population_ref(d, "post", net, where);
    pr.receptor = receptor_ref(d, net.populations[pr.post], where);
    for (const char* key : {"sources", "targets", "weights"}) {
        if (!d.contains(key)) fail(where, std::string("missing \"") + key + "\"");
    }
    const auto src = get<std::vector<std::uint32_t>>(d, "sources", where);
    const auto tgt = get<std::vector<std::uint32_t>>(d, "targets", where);
    const auto w = get<std::vector<float>>(d, "weights", where);
    const auto del = d.contains("delays") ? get<std::vector<std::uint16_t>>(d, "delays", where) : std::vector<std::uint16_t>(src.size(), 0);
    if (tgt.size() != src.size() || w.size() != src.size() || del.size() != src.size()) {
        fail(where, "sources, targets, weights and delays must have the same length (got " + std::to_string(src.size()) + ", " +
                        std::to_string(tgt.size()) + ", " + std::to_string(w.size()) + ", " + std::to_string(del.size()) + ")");
    }
    pr.synapses = network::from_arrays(net.populations[pr.pre].n, net.populations[pr.post].n, src, tgt, w, del);
    return pr;
}

void parse_inputs(const py::dict& d, network::spiking_network& net, std::size_t steps) {
    check_keys(d, {"step_currents", "poisson_inputs", "spike_inputs"}, "inputs");
    auto items = [&](const char* key) {
        std::vector<std::pair<py::dict, std::string>> out;
        if (!d.contains(key)) return out;
        const auto list = get<py::list>(d, key, "inputs");
        for (std::size_t k = 0; k < list.size(); ++k) {
            const std::string where = std::string("inputs.") + key + "[" + std::to_string(k) + "]";
            out.emplace_back(as_dict(list[k], where), where);
        }
        return out;
    };
    const double inf = std::numeric_limits<double>::infinity();
    for (const auto& [s, where] : items("step_currents")) {
        check_keys(s, {"population", "neurons", "start", "stop", "amplitude"}, where);
        network::step_current in;
        in.population = population_ref(s, "population", net, where);
        in.neurons = neuron_ids(s, where);
        in.start = get_or<double>(s, "start", 0.0, where);
        // No stop (or +inf): on until the end of this run (a finite time past the last step).
        in.stop = get_or<double>(s, "stop", inf, where);
        if (std::isinf(in.stop) && in.stop > 0) in.stop = static_cast<double>(steps + 1) * net.dt;
        if (!s.contains("amplitude")) fail(where, "missing \"amplitude\"");
        in.amplitude = get<double>(s, "amplitude", where);
        net.inputs.steps.push_back(std::move(in));
    }
    for (const auto& [s, where] : items("poisson_inputs")) {
        check_keys(s, {"population", "receptor", "neurons", "rate_hz", "sources", "weight", "start", "stop"}, where);
        network::poisson_input in;
        in.population = population_ref(s, "population", net, where);
        in.receptor = receptor_ref(s, net.populations[in.population], where);
        in.neurons = neuron_ids(s, where);
        for (const char* key : {"rate_hz", "weight"}) {
            if (!s.contains(key)) fail(where, std::string("missing \"") + key + "\"");
        }
        in.rate_hz = get<double>(s, "rate_hz", where);
        const auto sources = get_or<long long>(s, "sources", 1, where);
        if (sources < 0 || sources > std::numeric_limits<std::uint32_t>::max()) fail(where + ".sources", "expected a count >= 0");
        in.sources = static_cast<std::uint32_t>(sources);
        in.weight = get<double>(s, "weight", where);
        in.start = get_or<double>(s, "start", 0.0, where);
        in.stop = get_or<double>(s, "stop", inf, where);
        net.inputs.poisson.push_back(std::move(in));
    }
    for (const auto& [s, where] : items("spike_inputs")) {
        check_keys(s, {"population", "receptor", "neurons", "times", "weight"}, where);
        network::spike_input in;
        in.population = population_ref(s, "population", net, where);
        in.receptor = receptor_ref(s, net.populations[in.population], where);
        in.neurons = neuron_ids(s, where);
        for (const char* key : {"times", "weight"}) {
            if (!s.contains(key)) fail(where, std::string("missing \"") + key + "\"");
        }
        in.times = get<std::vector<double>>(s, "times", where);
        in.weight = get<double>(s, "weight", where);
        net.inputs.spikes.push_back(std::move(in));
    }
}

}  // namespace

void register_spiking(py::module_& m) {
    m.def(
        "run_spiking",
        [](const py::list& populations, const py::list& projections, double dt, const std::string& method, std::size_t steps,
           std::uint64_t seed, int threads, bool record_v, const py::object& inputs, const py::object& record,
           const std::string& precision) {
            network::spiking_network net;
            net.dt = dt;
            net.method = network::parse_integrator(method, "method");
            net.real = network::parse_precision(precision, "precision");
            for (std::size_t k = 0; k < populations.size(); ++k) {
                net.populations.push_back(parse_population(as_dict(populations[k], "populations[" + std::to_string(k) + "]"), k));
            }
            for (std::size_t k = 0; k < projections.size(); ++k) {
                net.projections.push_back(parse_projection(as_dict(projections[k], "projections[" + std::to_string(k) + "]"), k, net));
            }
            if (!inputs.is_none()) parse_inputs(as_dict(inputs, "inputs"), net, steps);
            const std::size_t P = net.populations.size();
            // record: names recorded in every population where they exist; default V (record_v).
            std::vector<std::string> names;
            if (record.is_none()) {
                if (record_v) names.push_back("V");
            } else {
                try {
                    names = record.cast<std::vector<std::string>>();
                } catch (const py::cast_error&) {
                    fail("record", "expected a list of names (\"V\", \"I_a\", receptor names)");
                }
            }
            // What to record, checked here so the messages name the binding's keys; recorded by
            // the library's trace recorder ("V", "I_a", or "I_<receptor>").
            std::vector<std::vector<std::string>> variables(P);  // per population: binding names
            for (const auto& name : names) {
                bool found = false;
                for (std::size_t p = 0; p < P; ++p) {
                    const auto& pop = net.populations[p];
                    if (name == "V") {
                        variables[p].push_back(name);
                        found = true;
                    } else if (name == "I_a") {
                        if (!pop.adaptive()) continue;
                        variables[p].push_back(name);
                        found = true;
                    } else if (const auto r = pop.receptor_index(name); r != network::spiking_population::npos) {
                        if (pop.receptors[r].kind == network::kinetics::delta) {
                            fail("record." + name, "a delta receptor has no current to record (population " + pop.name + ")");
                        }
                        variables[p].push_back(name);
                        found = true;
                    }
                }
                if (!found) fail("record." + name, "expected \"V\", \"I_a\" (adaptive populations) or the name of a receptor");
            }
            auto recorder_name = [](const std::string& name) { return name == "V" || name == "I_a" ? name : "I_" + name; };
            std::vector<record::trace_request> requests;
            for (std::size_t p = 0; p < P; ++p) {
                if (variables[p].empty()) continue;
                record::trace_request rq;
                rq.population = net.populations[p].name;
                rq.neurons.resize(net.populations[p].n);
                std::iota(rq.neurons.begin(), rq.neurons.end(), 0u);
                for (const auto& v : variables[p]) rq.variables.push_back(recorder_name(v));
                requests.push_back(std::move(rq));
            }
            engine::spiking_engine eng(std::move(net), seed);
            record::spike_recorder spike_rec(eng);
            std::optional<record::trace_recorder> trace_rec;
            if (!requests.empty()) trace_rec.emplace(eng, std::move(requests), 1, steps);
            record::hook_list hooks{&spike_rec, trace_rec ? &*trace_rec : nullptr};
            {
                py::gil_scoped_release release;
                eng.run(steps, &hooks, threads);
            }
            py::list spikes, V, traces;
            for (std::size_t p = 0; p < P; ++p) {
                const auto& times = spike_rec.times(p);
                const auto& ids = spike_rec.ids(p);
                py::array_t<double> t(static_cast<py::ssize_t>(times.size()));
                py::array_t<std::int64_t> i(static_cast<py::ssize_t>(ids.size()));
                std::copy(times.begin(), times.end(), t.mutable_data());
                std::copy(ids.begin(), ids.end(), i.mutable_data());
                spikes.append(py::make_tuple(t, i));
                const auto& pop = eng.network().populations[p];
                const auto n = static_cast<py::ssize_t>(pop.n);
                py::dict d;
                for (const auto& name : variables[p]) {
                    const auto& values = trace_rec->trace(pop.name, recorder_name(name));
                    py::array_t<double> a(std::vector<py::ssize_t>{static_cast<py::ssize_t>(steps), n});
                    std::copy(values.begin(), values.end(), a.mutable_data());
                    d[py::str(name)] = a;
                }
                if (d.contains("V")) {
                    V.append(d["V"]);
                } else {
                    V.append(py::array_t<double>(std::vector<py::ssize_t>{0, n}));
                }
                traces.append(d);
            }
            py::dict out;
            out["spikes"] = spikes;  // per population: (t_ms = grid time at which V crossed, neuron ids)
            out["V"] = V;            // per population: V after every step, [steps, n] (mV); [0, n] when not recorded
            out["traces"] = traces;  // per population: {name: [steps, n]} for the names in `record`
            return out;
        },
        py::arg("populations"), py::arg("projections"), py::arg("dt") = 0.1, py::arg("method") = "exact", py::arg("steps") = 1000,
        py::arg("seed") = 1, py::arg("threads") = 0, py::arg("record_v") = true, py::arg("inputs") = py::none(),
        py::arg("record") = py::none(), py::arg("precision") = "float64",
        R"doc(Run a spiking network of current-based (adaptive) LIF populations (network/spiking_network.hpp,
docs/design/spiking-engine.md) and return {"spikes", "V", "traces"}.

populations: dicts {name, n, excitatory=True, strict_threshold=False, tau_m, E_L, V_th, V_reset,
  t_ref=0, R=1, I_e=0, V0=E_L, adapt_jump (pA per spike, β/τ_a; absent: no adaptation),
  tau_adapt=500, sigma_V (mV; absent: no membrane noise), receptors=[{name, kind:
  delta|exponential|biexponential|pulse, tau (decay), tau_rise, kappa, duration, noise_sigma}]};
  parameters are scalars or per-neuron arrays.
projections: dicts {pre, post (index or name), receptor (index or name), sources, targets,
  weights (magnitudes, stored as float32), delays (steps)}.
inputs: {step_currents: [{population, neurons, start, stop, amplitude}], poisson_inputs:
  [{population, receptor, neurons, rate_hz, sources, weight, start, stop}], spike_inputs:
  [{population, receptor, neurons, times, weight}]} (times in ms, weights signed).
record: names recorded after every step in each population that has them: "V", "I_a", receptor
  names (their current s); default ["V"] if record_v. traces[p][name] is [steps, n]; V[p] is
  traces[p]["V"] (or [0, n]).
precision: "float64" or "float32" (the per-neuron state and update in single precision; not with
  method "exact_interpolated"; recorded values are the float state widened to double).
Spike times are the grid times at which V was found above threshold (Brian2 stamps the same spikes
one dt earlier). Bad input raises einet.ConfigError (a ValueError) naming the key.)doc");
}
