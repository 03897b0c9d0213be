#include "einet/plasticity/spiking_training.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "einet/core/error.hpp"

namespace einet::plasticity {
namespace {

const std::vector<double>& find_array(const std::vector<engine::state_array>& state, const std::string& name,
                                      std::size_t size = static_cast<std::size_t>(-1)) {
    for (const auto& a : state) {
        if (a.name != name) continue;
        if (size != static_cast<std::size_t>(-1) && a.values.size() != size) {
            throw config_error("training checkpoint: array " + name + " has " + std::to_string(a.values.size()) +
                               " values, expected " + std::to_string(size));
        }
        return a.values;
    }
    throw config_error("training checkpoint: array " + name + " is missing");
}

double mean_of(const float* w, std::size_t n) {
    double s = 0.0;
    for (std::size_t k = 0; k < n; ++k) s += w[k];
    return n ? s / static_cast<double>(n) : 0.0;
}

}  // namespace

std::size_t class_of(const network::spiking_network& net, std::size_t projection) {
    const auto& pr = net.projections[projection];
    const bool post_e = net.populations[pr.post].excitatory, pre_e = net.populations[pr.pre].excitatory;
    return post_e ? (pre_e ? 0 : 1) : (pre_e ? 2 : 3);
}

spiking_trainer::spiking_trainer(engine::spiking_engine& eng, spiking_training_params p, spiking_rule_binding b,
                                 std::uint64_t seed, int threads)
    : eng_(eng), p_(std::move(p)), b_(std::move(b)), seed_(seed), threads_(threads), spikes_(eng.network()) {
    const auto& net = eng_.network();
    const std::size_t P = net.populations.size(), Q = net.projections.size();
    if (P != 2 || p_.excitatory >= P || p_.inhibitory >= P || !net.populations[p_.excitatory].excitatory ||
        net.populations[p_.inhibitory].excitatory) {
        throw config_error("spiking training: expected one excitatory and one inhibitory population, got " +
                           std::to_string(P) + " populations");
    }
    for (auto* v : {&b_.alpha, &b_.beta, &b_.floor, &b_.ceiling}) {
        if (v->size() != Q) throw config_error("spiking training: expected one rate and one pair of bounds per projection");
    }
    for (std::size_t q = 0; q < Q; ++q) {
        if (!(b_.floor[q] <= b_.ceiling[q])) throw config_error("spiking training: weight floor above the ceiling");
    }
    if (p_.trial_steps == 0) throw config_error("spiking training: a trial needs at least one step");
    if (!(p_.lowpass_trials >= 1.0)) throw config_error("spiking training: the moving average needs τ >= 1 trial");
    initial_ = eng_.snapshot();
    spikes_.sample_voltages(p_.voltage_neurons, static_cast<std::size_t>(std::llround(1.0 / net.dt)));
    for (const auto& in : net.inputs.spikes) {
        if (in.population != p_.excitatory) continue;
        if (in.neurons.empty()) {
            for (std::uint32_t i = 0; i < net.populations[in.population].n; ++i) kicked_.push_back(i);
        } else {
            kicked_.insert(kicked_.end(), in.neurons.begin(), in.neurons.end());
        }
    }
    std::sort(kicked_.begin(), kicked_.end());
    kicked_.erase(std::unique(kicked_.begin(), kicked_.end()), kicked_.end());
    for (auto* v : {&rates_, &avg_, &cross_, &cross_error_}) v->resize(P);
    for (std::size_t pop = 0; pop < P; ++pop) {
        for (auto* v : {&rates_, &avg_, &cross_, &cross_error_}) (*v)[pop].assign(net.populations[pop].n, 0.0);
    }
    class_mean.resize(Q);
    for (std::size_t q = 0; q < Q; ++q) class_mean[q].push_back(mean_of(eng_.weights(q), net.projections[q].synapses.size()));
}

void spiking_trainer::measure_rates() {
    // Per-unit rates of the trial (spec 001 §5.5).
    const auto& net = eng_.network();
    const double T = static_cast<double>(p_.trial_steps) * net.dt;
    ups_ = analysis::detect_up_states(spikes_.view(p_.inhibitory), T, p_.up);
    for (std::size_t pop = 0; pop < rates_.size(); ++pop) {
        auto& r = rates_[pop];
        std::fill(r.begin(), r.end(), 0.0);
        const auto s = spikes_.view(pop);
        if (!ups_.empty()) {  // step 3: over the Up states, averaged over them
            r = analysis::up_state_unit_rates_hz(s, ups_);
            continue;
        }
        if (p_.silent == silent_trial_rule::population_mean) {  // the code of the stored Fig. 7 run
            std::fill(r.begin(), r.end(), static_cast<double>(s.count) / (static_cast<double>(s.n_neurons) * T * 1e-3));
            continue;
        }
        // Step 4, "event" trials: all spikes over 10 ms × max(non-zero E bins, non-zero I bins).
        std::size_t busiest = 0;
        for (std::size_t q : {p_.excitatory, p_.inhibitory}) {
            const auto h = spikes_.psth(q, T, p_.up.bin_ms);
            busiest = std::max<std::size_t>(busiest, static_cast<std::size_t>(std::count_if(h.begin(), h.end(), [](double x) { return x > 0; })));
        }
        const double duration_s = static_cast<double>(busiest) * p_.up.bin_ms * 1e-3;
        if (duration_s <= 0) continue;
        for (std::size_t k = 0; k < s.count; ++k) r[s.ids[k]] += 1.0 / duration_s;
        if (pop == p_.excitatory && !kicked_.empty() && kicked_.size() < r.size()) {
            // The kicked units would report the kick, not the network: they get the others' mean.
            double others = 0.0;
            for (std::size_t i = 0, k = 0; i < r.size(); ++i) {  // kicked_ is sorted
                if (k < kicked_.size() && kicked_[k] == i) ++k;
                else others += r[i];
            }
            others /= static_cast<double>(r.size() - kicked_.size());
            for (auto i : kicked_) r[i] = others;
        }
    }
}

void spiking_trainer::update_sensors() {
    const auto& net = eng_.network();
    const double set[2] = {p_.excitatory == 0 ? b_.E_set : b_.I_set, p_.excitatory == 0 ? b_.I_set : b_.E_set};
    // Moving average (§5.6): set on the first trial, then r ← r + (r_trial − r)/τ.
    for (std::size_t pop = 0; pop < avg_.size(); ++pop) {
        auto& a = avg_[pop];
        const auto& r = rates_[pop];
        for (std::size_t i = 0; i < a.size(); ++i) a[i] = trial_ == 0 ? r[i] : a[i] + (r[i] - a[i]) / p_.lowpass_trials;
    }
    // Local cross sensors (SI Eq. 17): mean average of the opposite population's presynaptic
    // units, before the floor and before the optional clip (the stored run's code averages the
    // unclipped sensors, then clips the mean at clip × the opposite set point; spec §5.8 version
    // note); the cross error of unit i is the opposite set point minus it.
    if (p_.local_cross) {
        for (std::size_t pop = 0; pop < cross_.size(); ++pop) {
            std::vector<double> sum(cross_[pop].size(), 0.0), count(cross_[pop].size(), 0.0);
            for (const auto& pr : net.projections) {
                if (pr.post != pop || net.populations[pr.pre].excitatory == net.populations[pop].excitatory) continue;
                const auto& syn = pr.synapses;
                const auto& a = avg_[pr.pre];
                for (std::size_t j = 0; j < syn.n_pre; ++j) {
                    for (auto k = syn.row_begin(j); k < syn.row_end(j); ++k) {
                        sum[syn.target[k]] += a[j];
                        count[syn.target[k]] += 1.0;
                    }
                }
            }
            const std::size_t opp = pop == p_.excitatory ? p_.inhibitory : p_.excitatory;
            const double opp_mean = std::accumulate(avg_[opp].begin(), avg_[opp].end(), 0.0) / static_cast<double>(avg_[opp].size());
            const double clip = p_.sensor_clip * set[opp];
            for (std::size_t i = 0; i < sum.size(); ++i) {
                cross_[pop][i] = std::min(count[i] > 0 ? sum[i] / count[i] : opp_mean, clip);  // no partner: the population mean
                cross_error_[pop][i] = set[opp] - cross_[pop][i];
            }
        }
    }
    // The optional clip, then the floor, in place (the code overwrites the averages; spec §5.6, §5.8).
    for (std::size_t pop = 0; pop < avg_.size(); ++pop) {
        const double clip = p_.sensor_clip * set[pop];
        for (auto& x : avg_[pop]) x = std::max(std::min(x, clip), p_.rate_floor);
    }
}

std::string spiking_trainer::update_weights() {
    const auto& net = eng_.network();
    std::vector<population_view> pops(net.populations.size());
    for (std::size_t pop = 0; pop < pops.size(); ++pop) {
        auto& v = pops[pop];
        v.n = net.populations[pop].n;
        v.excitatory = net.populations[pop].excitatory;
        v.setpoint = v.excitatory ? b_.E_set : b_.I_set;
        v.factor_rates = avg_[pop].data();  // floored: r̂_j
        v.error_rates = avg_[pop].data();   // floored: r̂_i
        v.cross_errors = p_.local_cross ? cross_error_[pop].data() : nullptr;
    }
    std::vector<projection_view> projs(net.projections.size());
    for (std::size_t q = 0; q < projs.size(); ++q) {
        auto& v = projs[q];
        v.post = net.projections[q].post;
        v.pre = net.projections[q].pre;
        v.class_index = class_of(net, q);
        v.synapses = &net.projections[q].synapses;
        v.synapse_weights = eng_.weights(q);
        v.alpha = b_.alpha[q];
        v.beta = b_.beta[q];
        v.floor = b_.floor[q];
        v.ceiling = b_.ceiling[q];
    }
    apply_rule(b_.r, pops, projs, 1, 0, 1, scratch_);
    for (std::size_t q = 0; q < projs.size(); ++q) {
        const double m = mean_of(eng_.weights(q), net.projections[q].synapses.size());
        class_mean[q].push_back(m);
        if (!std::isfinite(m) || std::abs(m) > p_.weight_guard) {
            const auto& pr = net.projections[q];
            return "weights of " + net.populations[pr.post].name + " <- " + net.populations[pr.pre].name +
                   " diverged after trial " + std::to_string(trial_ + 1) + " (class mean " + std::to_string(m) + ")";
        }
    }
    return {};
}

std::string spiking_trainer::run_trial() {
    const auto& net = eng_.network();
    eng_.restore(initial_);
    eng_.reseed(analysis::trial_seed(seed_, trial_));
    spikes_.clear();
    eng_.run(p_.trial_steps, &spikes_, threads_);
    measure_rates();
    // Logs of the trial's own rates (Fig. 7C, SI Eq. 18).
    double sse = 0.0;
    std::size_t units = 0;
    for (std::size_t pop = 0; pop < rates_.size(); ++pop) {
        const double set = net.populations[pop].excitatory ? b_.E_set : b_.I_set;
        for (double r : rates_[pop]) sse += (r - set) * (r - set);
        units += rates_[pop].size();
    }
    auto mean = [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); };
    rate_E.push_back(mean(rates_[p_.excitatory]));
    rate_I.push_back(mean(rates_[p_.inhibitory]));
    mse.push_back(sse / static_cast<double>(units));
    up_duration_ms.push_back(analysis::up_state_duration_s(ups_) * 1e3);
    if (std::find(p_.keep_trials.begin(), p_.keep_trials.end(), trial_) != p_.keep_trials.end()) {
        kept.push_back({trial_, spikes_.times, spikes_.ids, spikes_.V});
    }
    update_sensors();
    auto failure = update_weights();
    ++trial_;
    return failure;
}

std::vector<engine::state_array> spiking_trainer::save_state() const {
    const auto& net = eng_.network();
    std::vector<engine::state_array> out;
    out.push_back({"trial", {static_cast<double>(trial_)}});
    for (std::size_t q = 0; q < net.projections.size(); ++q) {
        const float* w = const_cast<engine::spiking_engine&>(eng_).weights(q);
        out.push_back({"weights/" + std::to_string(q), {w, w + net.projections[q].synapses.size()}});
        out.push_back({"class_mean/" + std::to_string(q), class_mean[q]});
    }
    for (std::size_t pop = 0; pop < avg_.size(); ++pop) {
        out.push_back({"sensor/" + std::to_string(pop), avg_[pop]});
        out.push_back({"cross/" + std::to_string(pop), cross_[pop]});
        out.push_back({"rates/" + std::to_string(pop), rates_[pop]});
    }
    out.push_back({"rate_E", rate_E});
    out.push_back({"rate_I", rate_I});
    out.push_back({"mse", mse});
    out.push_back({"up_duration_ms", up_duration_ms});
    for (std::size_t k = 0; k < kept.size(); ++k) {
        const std::string pre = "kept/" + std::to_string(k) + "/";
        out.push_back({pre + "trial", {static_cast<double>(kept[k].trial)}});
        for (std::size_t pop = 0; pop < kept[k].times.size(); ++pop) {
            out.push_back({pre + "times/" + std::to_string(pop), kept[k].times[pop]});
            out.push_back({pre + "ids/" + std::to_string(pop), {kept[k].ids[pop].begin(), kept[k].ids[pop].end()}});
            out.push_back({pre + "V/" + std::to_string(pop), kept[k].V[pop]});
        }
    }
    return out;
}

void spiking_trainer::restore_state(const std::vector<engine::state_array>& state) {
    const auto& net = eng_.network();
    trial_ = static_cast<std::size_t>(find_array(state, "trial", 1)[0]);
    for (std::size_t q = 0; q < net.projections.size(); ++q) {
        const auto& w = find_array(state, "weights/" + std::to_string(q), net.projections[q].synapses.size());
        float* dst = eng_.weights(q);
        for (std::size_t k = 0; k < w.size(); ++k) dst[k] = static_cast<float>(w[k]);
        class_mean[q] = find_array(state, "class_mean/" + std::to_string(q), trial_ + 1);
    }
    for (std::size_t pop = 0; pop < avg_.size(); ++pop) {
        avg_[pop] = find_array(state, "sensor/" + std::to_string(pop), avg_[pop].size());
        cross_[pop] = find_array(state, "cross/" + std::to_string(pop), cross_[pop].size());
        rates_[pop] = find_array(state, "rates/" + std::to_string(pop), rates_[pop].size());
    }
    rate_E = find_array(state, "rate_E", trial_);
    rate_I = find_array(state, "rate_I", trial_);
    mse = find_array(state, "mse", trial_);
    up_duration_ms = find_array(state, "up_duration_ms", trial_);
    kept.clear();
    for (std::size_t k = 0;; ++k) {
        const std::string pre = "kept/" + std::to_string(k) + "/";
        if (std::none_of(state.begin(), state.end(), [&](const auto& a) { return a.name == pre + "trial"; })) break;
        kept_trial kt;
        kt.trial = static_cast<std::size_t>(find_array(state, pre + "trial", 1)[0]);
        for (std::size_t pop = 0; pop < avg_.size(); ++pop) {
            kt.times.push_back(find_array(state, pre + "times/" + std::to_string(pop)));
            const auto& ids = find_array(state, pre + "ids/" + std::to_string(pop), kt.times.back().size());
            kt.ids.emplace_back(ids.begin(), ids.end());
            // Voltage samples are optional (checkpoints written before they were kept have none).
            const auto name = pre + "V/" + std::to_string(pop);
            const bool has_v = std::any_of(state.begin(), state.end(), [&](const auto& a) { return a.name == name; });
            kt.V.push_back(has_v ? find_array(state, name) : std::vector<double>{});
        }
        kept.push_back(std::move(kt));
    }
    // cross_error_ is recomputed from the sensors before it is next used.
}

}  // namespace einet::plasticity
