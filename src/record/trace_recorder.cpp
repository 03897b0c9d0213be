#include "einet/record/trace_recorder.hpp"

#include "einet/core/error.hpp"

namespace einet::record {

namespace {
std::string variables_of(const network::spiking_population& pop) {
    std::string s = "V";
    for (const auto& r : pop.receptors)
        if (r.kind != network::kinetics::delta) s += ", I_" + r.name;
    if (pop.adaptive()) s += ", I_a";
    return s;
}
}  // namespace

trace_recorder::trace_recorder(const engine::spiking_engine& eng, std::vector<trace_request> requests,
                               std::size_t decimation, std::size_t expected_steps)
    : requests_(std::move(requests)), decimation_(decimation) {
    const auto& net = eng.network();
    if (decimation_ == 0) throw config_error("trace recorder: decimation must be at least 1 step");
    for (std::size_t q = 0; q < requests_.size(); ++q) {
        const auto& req = requests_[q];
        const std::string where = "trace recorder, population '" + req.population + "'";
        const std::size_t p = net.population_index(req.population);
        if (p == network::spiking_population::npos) throw config_error(where + ": no such population");
        for (std::size_t k = 0; k < q; ++k)
            if (requests_[k].population == req.population)
                throw config_error(where + ": requested twice (give all its neurons and variables in one request)");
        const auto& pop = net.populations[p];
        for (auto i : req.neurons)
            if (i >= pop.n)
                throw config_error(where + ": neuron " + std::to_string(i) + " out of range (population has " +
                                   std::to_string(pop.n) + ")");
        for (const auto& var : req.variables) {
            for (const auto& c : channels_)
                if (c.request == q && c.variable == var) throw config_error(where + ": variable " + var + " requested twice");
            channel c;
            c.pop = p;
            c.population = pop.name;
            c.variable = var;
            c.request = q;
            c.unit = "pA";
            const std::size_t r = var.rfind("I_", 0) == 0 ? pop.receptor_index(var.substr(2)) : network::spiking_population::npos;
            if (var == "V") {
                c.from = source::membrane;
                c.unit = "mV";
            } else if (var == "I_a" && pop.adaptive() && r == network::spiking_population::npos) {
                c.from = source::adaptation;
            } else if (r != network::spiking_population::npos && pop.receptors[r].kind != network::kinetics::delta) {
                c.from = source::receptor;
                c.receptor = r;
            } else {
                throw config_error(where + ": cannot trace '" + var + "' (available: " + variables_of(pop) +
                                   "; a delta receptor has no current)");
            }
            channels_.push_back(std::move(c));
        }
    }
    if (expected_steps > 0) {
        const std::size_t n = expected_steps / decimation_ + 1;
        t_.reserve(n);
        for (auto& c : channels_) c.values.reserve(n * neurons(c).size());
    }
}

const double* trace_recorder::state_of(const engine::spiking_engine& eng, const channel& c) const {
    const double* x = nullptr;
    switch (c.from) {
        case source::membrane: x = eng.V(c.pop); break;
        case source::receptor: x = eng.receptor_current(c.pop, c.receptor); break;
        case source::adaptation: x = eng.adaptation(c.pop); break;
    }
    if (!x) throw internal_error("trace recorder: the engine has no state for " + c.population + "." + c.variable);
    return x;
}

void trace_recorder::on_step(engine::spiking_engine& eng) {
    if (eng.step() % decimation_ != 0) return;
    t_.push_back(eng.time());
    for (auto& c : channels_) {
        const double* x = state_of(eng, c);
        for (auto i : neurons(c)) c.values.push_back(x[i]);
    }
}

const std::vector<double>& trace_recorder::trace(const std::string& population, const std::string& variable) const {
    for (const auto& c : channels_)
        if (c.population == population && c.variable == variable) return c.values;
    throw config_error("trace recorder: " + population + "." + variable + " was not recorded");
}

std::vector<recorded_array> trace_recorder::arrays() const {
    std::vector<recorded_array> out;
    out.push_back({{"trace_t", {t_.size()}, "sample", "ms", "times of the trace samples"}, t_});
    for (const auto& req : requests_) {
        out.push_back({{"trace_" + req.population + "_neurons", {req.neurons.size()}, "neuron", "",
                        "ids (within population " + req.population + ") of the traced neurons"},
                       std::vector<double>(req.neurons.begin(), req.neurons.end())});
    }
    for (const auto& c : channels_) {
        out.push_back({{"trace_" + c.population + "_" + c.variable, {t_.size(), neurons(c).size()}, "sample, neuron",
                        c.unit, c.variable + " of the traced neurons of population " + c.population},
                       c.values});
    }
    return out;
}

std::vector<engine::state_array> trace_recorder::save_state() const {
    std::vector<engine::state_array> out{{"t", t_}};
    for (const auto& c : channels_) out.push_back({c.population + "." + c.variable, c.values});
    return out;
}

void trace_recorder::restore_state(const std::vector<engine::state_array>& state) {
    const auto& t = find_state(state, "t", "trace recorder");
    for (const auto& c : channels_) find_state(state, c.population + "." + c.variable, "trace recorder", t.size() * neurons(c).size());
    t_ = t;
    for (auto& c : channels_) c.values = find_state(state, c.population + "." + c.variable, "trace recorder");
}

}  // namespace einet::record
