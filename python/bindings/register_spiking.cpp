// The spiking engine from Python: run_spiking builds a spiking_network from plain dicts and arrays
// (the same description the config layer will lower to), runs it and returns spikes and traces.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "einet/core/error.hpp"
#include "einet/engine/spiking_engine.hpp"

namespace py = pybind11;
using namespace einet;

namespace {

// A scalar or an array of n values.
std::vector<double> per_neuron(const py::dict& d, const char* key, std::size_t n, double fallback, bool required) {
    if (!d.contains(key)) {
        if (required) throw config_error(std::string("population: missing \"") + key + "\"");
        return std::vector<double>(n, fallback);
    }
    py::object v = d[key];
    if (py::isinstance<py::float_>(v) || py::isinstance<py::int_>(v)) return std::vector<double>(n, v.cast<double>());
    auto a = v.cast<std::vector<double>>();
    if (a.size() != n) throw config_error(std::string("population: \"") + key + "\" has " + std::to_string(a.size()) +
                                          " values, expected " + std::to_string(n));
    return a;
}

struct recorder final : engine::spike_hook {
    bool record_v = true;
    std::vector<std::vector<std::uint64_t>> steps;
    std::vector<std::vector<std::uint32_t>> ids;
    std::vector<std::vector<double>> V;
    void on_step(engine::spiking_engine& e) override {
        for (std::size_t p = 0; p < e.network().populations.size(); ++p) {
            for (auto i : e.spikes(p)) {
                steps[p].push_back(e.step());
                ids[p].push_back(i);
            }
            if (record_v) V[p].insert(V[p].end(), e.V(p), e.V(p) + e.network().populations[p].n);
        }
    }
};

}  // namespace

void register_spiking(py::module_& m) {
    m.def(
        "run_spiking",
        [](const py::list& populations, const py::list& projections, double dt, const std::string& method,
           std::size_t steps, std::uint64_t seed, int threads, bool record_v) {
            network::spiking_network net;
            net.dt = dt;
            if (method != "exact" && method != "euler_maruyama") throw config_error("method: expected exact or euler_maruyama");
            net.method = method == "exact" ? network::integrator::exact : network::integrator::euler_maruyama;
            for (auto item : populations) {
                auto d = item.cast<py::dict>();
                network::spiking_population p;
                p.name = d.contains("name") ? d["name"].cast<std::string>() : "P" + std::to_string(net.populations.size());
                p.n = d["n"].cast<std::size_t>();
                p.excitatory = d.contains("excitatory") ? d["excitatory"].cast<bool>() : true;
                p.lif = {per_neuron(d, "tau_m", p.n, 0, true),  per_neuron(d, "E_L", p.n, 0, true),
                         per_neuron(d, "V_th", p.n, 0, true),   per_neuron(d, "V_reset", p.n, 0, true),
                         per_neuron(d, "t_ref", p.n, 0, false), per_neuron(d, "R", p.n, 1, false),
                         per_neuron(d, "I_e", p.n, 0, false)};
                p.V0 = d.contains("V0") ? per_neuron(d, "V0", p.n, 0, true) : p.lif.E_L;
                if (d.contains("receptors")) {
                    for (auto r : d["receptors"].cast<py::list>()) {
                        auto rd = r.cast<py::dict>();
                        network::receptor rc;
                        rc.name = rd.contains("name") ? rd["name"].cast<std::string>() : "r";
                        const auto kind = rd.contains("kind") ? rd["kind"].cast<std::string>() : "exponential";
                        if (kind != "exponential" && kind != "delta") throw config_error("receptor kind: expected exponential or delta");
                        rc.kind = kind == "delta" ? network::kinetics::delta : network::kinetics::exponential;
                        rc.tau = rd.contains("tau") ? rd["tau"].cast<double>() : 5.0;
                        rc.noise_sigma = rd.contains("noise_sigma") ? rd["noise_sigma"].cast<double>() : 0.0;
                        p.receptors.push_back(rc);
                    }
                }
                net.populations.push_back(std::move(p));
            }
            for (auto item : projections) {
                auto d = item.cast<py::dict>();
                network::spiking_projection pr;
                pr.pre = d["pre"].cast<std::size_t>();
                pr.post = d["post"].cast<std::size_t>();
                pr.receptor = d.contains("receptor") ? d["receptor"].cast<std::size_t>() : 0;
                if (pr.pre >= net.populations.size() || pr.post >= net.populations.size()) throw config_error("projection: population index out of range");
                const auto src = d["sources"].cast<std::vector<std::uint32_t>>();
                const auto tgt = d["targets"].cast<std::vector<std::uint32_t>>();
                const auto w = d["weights"].cast<std::vector<float>>();
                const auto del = d.contains("delays") ? d["delays"].cast<std::vector<std::uint16_t>>() : std::vector<std::uint16_t>(src.size(), 0);
                pr.synapses = network::from_arrays(net.populations[pr.pre].n, net.populations[pr.post].n, src, tgt, w, del);
                net.projections.push_back(std::move(pr));
            }
            engine::spiking_engine eng(std::move(net), seed);
            const std::size_t P = eng.network().populations.size();
            recorder rec;
            rec.record_v = record_v;
            rec.steps.resize(P);
            rec.ids.resize(P);
            rec.V.resize(P);
            {
                py::gil_scoped_release release;
                eng.run(steps, &rec, threads);
            }
            py::list spikes, V;
            for (std::size_t p = 0; p < P; ++p) {
                const auto n = static_cast<py::ssize_t>(eng.network().populations[p].n);
                py::array_t<double> t(static_cast<py::ssize_t>(rec.steps[p].size()));
                py::array_t<std::int64_t> i(static_cast<py::ssize_t>(rec.ids[p].size()));
                for (std::size_t k = 0; k < rec.steps[p].size(); ++k) {
                    t.mutable_data()[k] = static_cast<double>(rec.steps[p][k]) * dt;
                    i.mutable_data()[k] = rec.ids[p][k];
                }
                spikes.append(py::make_tuple(t, i));
                py::array_t<double> v({static_cast<py::ssize_t>(record_v ? steps : 0), record_v ? n : py::ssize_t{0}});
                std::copy(rec.V[p].begin(), rec.V[p].end(), v.mutable_data());
                V.append(v);
            }
            py::dict out;
            out["spikes"] = spikes;  // per population: (t_ms = grid time at which V crossed, neuron ids)
            out["V"] = V;            // per population: V after every step, [steps, n] (mV)
            return out;
        },
        py::arg("populations"), py::arg("projections"), py::arg("dt") = 0.1, py::arg("method") = "exact",
        py::arg("steps") = 1000, py::arg("seed") = 1, py::arg("threads") = 0, py::arg("record_v") = true,
        "Run a spiking network of current-based LIF populations (docs/design/spiking-engine.md). Spike times are "
        "the grid times at which V was found above threshold (Brian2 stamps the same spikes one dt earlier).");
}
