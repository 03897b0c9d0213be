#include "einet/engine/spiking_engine.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <span>
#include <type_traits>

#include "einet/core/error.hpp"
#include "einet/core/rng.hpp"
#include "einet/core/rng_block.hpp"
#include "einet/core/rng_units.hpp"
#include "linear_propagator.hpp"
#include "neuron_pass.hpp"
#include "step_window.hpp"

namespace einet::engine {

namespace {

constexpr std::size_t npos = network::spiking_population::npos;
using detail::window_step;
using detail::frozen_at;
using detail::stamp_after_spike;
static_assert(std::is_same_v<detail::step_count, std::int64_t> && std::is_same_v<detail::step_stamp, std::uint32_t>,
              "spiking_engine.hpp stores them as such");
using detail::max_channels;
constexpr std::uint32_t membrane_noise_stream = 255;  // noise stream of V (channels use their index)

// Distance between the four steps' rows of a noise buffer: rows laid end to end put worker 1's
// part of row r right before worker 0's part of row r + 1, and each worker's hardware prefetcher,
// streaming over its own part, ran into the other's lines every step (detail::gapped_row).
std::size_t noise_row_stride(std::size_t n) { return detail::gapped_row(n); }

std::int32_t steps_of(double t, double h) { return static_cast<std::int32_t>(std::llround(t / h)); }

// The linear system of receptor r (or of adaptation) for the propagator.
detail::channel_matrix receptor_matrix(const network::receptor& r, double R_over_tau_m) {
    detail::channel_matrix m;
    switch (r.kind) {
        case network::kinetics::exponential:  // ds/dt = −s/τ (spec 003 Eq. 1.4)
            m.A[0][0] = -1.0 / r.tau;
            m.to_V[0] = R_over_tau_m;
            break;
        case network::kinetics::biexponential:  // du/dt = −u/τ_r, ds/dt = (u − s)/τ_d (001 SI Eq. 15)
            m.vars = 2;
            m.A[0][0] = -1.0 / r.tau_rise;
            m.A[1][0] = 1.0 / r.tau;
            m.A[1][1] = -1.0 / r.tau;
            m.to_V[1] = R_over_tau_m;
            break;
        case network::kinetics::pulse:  // s constant between arrivals and ends
            m.to_V[0] = R_over_tau_m;
            break;
        case network::kinetics::delta:
        case network::kinetics::discrete_delta:  // its coefficients are set by the constructor
            break;
    }
    return m;
}

template <class T>
bool all_equal(const T& v) {
    return std::all_of(v.begin(), v.end(), [&](const auto& x) { return x == v.front(); });
}

}  // namespace

void spiking_engine::update_uniform(std::size_t p) {
    const auto& pop = net_.populations[p];
    auto& st = pops_[p];
    bool u = all_equal(st.v_drive) && all_equal(st.v_decay) && all_equal(pop.lif.V_th) && all_equal(pop.lif.V_reset) &&
             all_equal(st.ref_steps) && all_equal(st.v_noise_amp);
    for (const auto& c : st.channels) u = u && all_equal(c.to_v) && all_equal(c.v_from_x);
    st.uniform = u;
}

spiking_engine::spiking_engine(network::spiking_network net, std::uint64_t seed) : net_(std::move(net)), seed_(seed) {
    net_.validate();
    const double h = net_.dt;
    const bool exact = net_.method != network::integrator::euler_maruyama;
    interpolate_ = net_.method == network::integrator::exact_interpolated;
    f32_ = net_.real == network::precision::float32;
    std::size_t max_delay = 0, max_pulse = 0;
    min_delay_ = max_exchange_interval;  // (a network without synapses: the cap)
    for (const auto& pr : net_.projections) {
        max_delay = std::max<std::size_t>(max_delay, pr.synapses.largest_delay_steps());
        const auto& d = pr.synapses.delay_steps;  // delays are fixed for the engine's life
        const bool common = !d.empty() && std::all_of(d.begin(), d.end(), [&](std::uint16_t x) { return x == d.front(); });
        common_delay_.push_back(common ? static_cast<int>(d.front()) : -1);
        if (!d.empty()) min_delay_ = std::min<std::size_t>(min_delay_, *std::min_element(d.begin(), d.end()));
    }
    for (const auto& pr : net_.lowrank) {
        max_delay = std::max<std::size_t>(max_delay, pr.delay_steps);
        min_delay_ = std::min<std::size_t>(min_delay_, pr.delay_steps);
    }
    for (const auto& pop : net_.populations) {
        for (const auto& r : pop.receptors) {
            if (r.kind == network::kinetics::pulse) max_pulse = std::max<std::size_t>(max_pulse, std::max(1, steps_of(r.duration, h)));
        }
    }
    ring_slots_ = max_delay + max_pulse + 1;
    pops_.resize(net_.populations.size());
    for (std::size_t p = 0; p < net_.populations.size(); ++p) {
        const auto& pop = net_.populations[p];
        auto& st = pops_[p];
        const std::size_t n = pop.n, R = pop.receptors.size();
        st.V.assign(pop.V0.begin(), pop.V0.end());
        st.frozen_until.assign(n, 0);
        st.ref_steps.resize(n);
        st.v_decay.resize(n);
        st.v_drive.resize(n);
        st.v_drive_base.resize(n);
        st.I_e_base.assign(pop.lif.I_e.begin(), pop.lif.I_e.end());
        st.R.assign(pop.lif.R.begin(), pop.lif.R.end());
        st.adaptive = pop.adaptive();
        // V's own noise per step: the membrane's SD, and the variance receptors add (exact integrator).
        std::vector<double> v_noise_sd(n, 0.0), v_noise_var(n, 0.0);
        for (std::size_t i = 0; i < n; ++i) {
            const double tau_m = pop.lif.tau_m[i];
            // V_{n+1} = V∞ + (V_n − V∞)·decay + Σ_k to_v_k x_k, V∞ = E_L + R I_e: the exact propagator
            // of τ_m dV/dt = −(V − E_L) + R(I + I_e) over h, or explicit Euler (decay 1 − h/τ_m).
            st.v_drive_base[i] = pop.lif.E_L[i] + pop.lif.R[i] * pop.lif.I_e[i];
            st.v_decay[i] = exact ? std::exp(-h / tau_m) : 1.0 - h / tau_m;
            // Refractory as Brian2 counts it (the paper-001 code and the cross-validation anchor):
            // V shows V_reset for R = round(t_ref/h) samples, i.e. it is held in R − 1 further
            // updates; ref_steps = R − 1 (−1 when t_ref rounds to 0: never refractory).
            st.ref_steps[i] = steps_of(pop.lif.t_ref[i], h) - 1;
            if (pop.membrane_noise()) {
                // σ_V √τ_m dW/τ_m: EM adds σ_V √(h/τ_m) ξ (spec 001 §5.1); exact adds the OU
                // transition's SD σ_V √((1 − e^{−2h/τ_m})/2).
                const double s = pop.lif.sigma_V[i];
                v_noise_sd[i] = exact ? s * std::sqrt(0.5 * (1.0 - std::exp(-2.0 * h / tau_m))) : s * std::sqrt(h / tau_m);
            }
        }
        st.v_drive.assign(st.v_drive_base.begin(), st.v_drive_base.end());
        // Channels: one (or two, biexponential u then s) per receptor with a current, then I_a.
        auto add_channel = [&](const detail::channel_matrix& m, double noise_sigma, bool adaptation, bool discrete = false) {
            for (std::size_t v = 0; v < m.vars; ++v) {
                channel c;
                c.x.assign(n, 0.0);
                c.to_v.resize(n);
                c.slope_sign = m.to_V[v] == 0.0 ? 0.0 : (adaptation ? -1.0 : 1.0);
                const bool noisy = noise_sigma > 0;
                // Exact integrator: V also receives the noise that enters x within the step.
                if (noisy && exact) c.v_from_x.resize(n);
                detail::channel_step coeff;
                step_noise joint;
                for (std::size_t i = 0; i < n; ++i) {
                    // The coupling scales with this neuron's R/τ_m (neighbours often share them).
                    if (i == 0 || pop.lif.R[i] != pop.lif.R[i - 1] || pop.lif.tau_m[i] != pop.lif.tau_m[i - 1]) {
                        auto mi = m;
                        for (auto& t : mi.to_V) t *= pop.lif.R[i] / pop.lif.tau_m[i] * (adaptation ? -1.0 : 1.0);
                        coeff = detail::step_coefficients(mi, pop.lif.tau_m[i], h, exact);
                        if (noisy && exact) joint = detail::noise_coefficients(mi, pop.lif.tau_m[i], h, noise_sigma);
                    }
                    c.to_v[i] = coeff.to_V[v];
                    if (noisy && exact) {
                        c.v_from_x[i] = joint.v_from_x;
                        v_noise_var[i] += joint.v_own_sd * joint.v_own_sd;
                    }
                    if (i == 0) {
                        c.decay = coeff.P[v][v];
                        c.feed = v > 0 ? coeff.P[v][v - 1] : 0.0;
                    }
                }
                if (discrete) {  // the step's input enters the next update once, undecayed (spec 000 §2.2)
                    std::fill(c.to_v.begin(), c.to_v.end(), 1.0);
                    c.decay = 0.0;
                }
                if (noisy) {  // exponential receptor: exact OU transition, or EM (spec 003 Eq. 2.2)
                    const double tau = -1.0 / m.A[0][0];
                    c.noise_amp = exact ? noise_sigma * std::sqrt(0.5 * tau * (1.0 - c.decay * c.decay)) : noise_sigma * std::sqrt(h);
                    c.noise.assign(4 * noise_row_stride(n), 0.0);
                }
                st.channels.push_back(std::move(c));
            }
        };
        st.input_channel.assign(R, npos);
        st.current_channel.assign(R, npos);
        st.pulse_steps.assign(R, 0);
        st.input_scale.assign(R, 1.0);
        for (std::size_t r = 0; r < R; ++r) {
            const auto& rc = pop.receptors[r];
            if (rc.kind == network::kinetics::delta) continue;
            const auto m = receptor_matrix(rc, 1.0);
            st.input_channel[r] = st.channels.size();
            st.current_channel[r] = st.channels.size() + m.vars - 1;
            // Biexponential: a spike of weight w adds w·κ/τ_r to u, so the charge is w·κ (001 SI Eq. 15).
            st.input_scale[r] = rc.kind == network::kinetics::biexponential ? rc.kappa / rc.tau_rise : 1.0;
            if (rc.kind == network::kinetics::pulse) st.pulse_steps[r] = static_cast<std::uint32_t>(std::max(1, steps_of(rc.duration, h)));
            add_channel(m, rc.noise_sigma, false, rc.kind == network::kinetics::discrete_delta);
        }
        if (st.adaptive) {  // dI_a/dt = −I_a/τ_a, entering V with a minus sign (001 SI Eq. 12)
            detail::channel_matrix m;
            m.A[0][0] = -1.0 / pop.lif.tau_adapt;
            m.to_V[0] = 1.0;
            add_channel(m, 0.0, true);
            st.adapt_jump.assign(pop.lif.adapt_jump.begin(), pop.lif.adapt_jump.end());
        }
        const bool receptor_v_noise = std::any_of(v_noise_var.begin(), v_noise_var.end(), [](double v) { return v > 0; });
        if (pop.membrane_noise() || receptor_v_noise) {
            st.v_noise_amp.resize(n);
            for (std::size_t i = 0; i < n; ++i) {
                const double sd = v_noise_sd[i];
                st.v_noise_amp[i] = receptor_v_noise ? std::sqrt(sd * sd + v_noise_var[i]) : sd;
            }
            st.v_noise.assign(4 * noise_row_stride(n), 0.0);
        }
        if (interpolate_) {
            st.V_before.resize(n);
            st.x_before.assign(st.channels.size(), aligned_vector<double>(n));
        }
        if (st.channels.size() > max_channels) {
            throw config_error("populations." + pop.name + ": expected at most " + std::to_string(max_channels) +
                               " state variables per neuron (receptors: 1 each, biexponential 2, adaptation 1), got " +
                               std::to_string(st.channels.size()));
        }
        update_uniform(p);
        if (f32_) {
            st.ring.assign(R, detail::delay_ring());  // empty: the float rings hold the input
            st.ring32.clear();
            for (std::size_t r = 0; r < R; ++r) st.ring32.emplace_back(ring_slots_, n, dense_ring(p, r));
        } else {
            st.ring.clear();
            for (std::size_t r = 0; r < R; ++r) st.ring.emplace_back(ring_slots_, n, dense_ring(p, r));
        }
        st.receptor_tau.assign(R, 0.0);
        for (std::size_t r = 0; r < R; ++r) {
            if (pop.receptors[r].kind == network::kinetics::exponential) st.receptor_tau[r] = pop.receptors[r].tau;
        }
        if (interpolate_) {  // arrivals inside the step also move V (write_out); one τ_m and R per population
            st.v_ring.clear();
            for (std::size_t r = 0; r < R; ++r) st.v_ring.emplace_back(ring_slots_, n, dense_ring(p, r));
            if (!all_equal(pop.lif.tau_m) || !all_equal(pop.lif.R)) {
                throw config_error("populations." + pop.name + ": the exact_interpolated integrator needs one tau_m and R per "
                                   "population (synaptic arrivals inside a step are integrated with them)");
            }
        }
        zeros_.resize(std::max(zeros_.size(), n), 0.0);
        auto& f = st.f32;  // per channel (empty arrays in float64, so indexing them is valid)
        const auto K = st.channels.size();
        f.x.resize(K), f.to_v.resize(K), f.noise.resize(K), f.v_from_x.resize(K);
        if (f32_) {
            // 4 KiB of slack after each state array: a worker walking up to the end of its range
            // runs its stream prefetcher into the slack, not into the next array's first (another
            // worker's) lines.
            constexpr std::size_t slack = 4096 / sizeof(float);
            f.V.reserve(n + slack);
            for (auto& x : f.x) x.reserve(n + slack);
            for (std::size_t k = 0; k < K; ++k) {
                f.noise[k].assign(st.channels[k].noise.size(), 0.0f);
                f.v_from_x[k].resize(st.channels[k].v_from_x.size());
            }
            f.v_noise.assign(st.v_noise.size(), 0.0f);
            zeros_f32_.resize(zeros_.size(), 0.0f);
            to_f32_coefficients(p);  // the state follows when a run starts
        }
        scratch_offset_.push_back(scratch_.size());
        scratch_.resize(scratch_.size() + n);  // one entry per neuron of every population: ranges never overlap
        spiked_.emplace_back();
        lags_.emplace_back();
        speeds_.emplace_back();
    }
    // A projection whose synapses all have delay 0, onto a receptor with kinetics (not a pulse, not
    // interpolating), adds straight into the receptor state in write_out: its input would be
    // delivered in this same step. Every other writer feeds its receptor's ring; the delivery
    // skips the rings nothing feeds.
    for (auto& st : pops_) st.ring_fed.assign(st.ring.size(), 0);
    direct_.assign(net_.projections.size(), 0);
    for (std::size_t q = 0; q < net_.projections.size(); ++q) {
        const auto& pr = net_.projections[q];
        auto& st = pops_[pr.post];
        direct_[q] = !interpolate_ && st.pulse_steps[pr.receptor] == 0 && common_delay_[q] == 0 && st.input_channel[pr.receptor] != npos;
        if (!direct_[q]) st.ring_fed[pr.receptor] = 1;
    }
    for (const auto& in : net_.inputs.poisson) pops_[in.population].ring_fed[in.receptor] = 1;
    for (const auto& in : net_.inputs.spikes) pops_[in.population].ring_fed[in.receptor] = 1;
    for (const auto& pr : net_.lowrank) pops_[pr.post].ring_fed[pr.receptor] = 1;  // exclude_self's diagonal
    for (std::size_t p = 0; p < pops_.size(); ++p) {
        if (!net_.populations[p].self_weight.empty()) pops_[p].ring_fed[net_.populations[p].self_receptor] = 1;
    }
    for (const auto& in : net_.inputs.spikes) {
        std::vector<std::uint64_t> steps;
        for (double t : in.times) steps.push_back(window_step(t, h));
        std::sort(steps.begin(), steps.end());
        spike_input_steps_.push_back(std::move(steps));
    }
    for (const auto& pr : net_.lowrank) latent_ring_.push_back({std::vector<double>(ring_slots_ * pr.rank, 0.0)});
    partition(1);
}

std::uint32_t spiking_engine::noise_stream(const network::spiking_population& pop, std::size_t r) {
    // Channels are numbered as the constructor adds them: receptors in order, 0/1/2 variables each.
    std::uint32_t k = 0;
    for (std::size_t q = 0; q < r; ++q) {
        if (pop.receptors[q].kind != network::kinetics::delta) k += static_cast<std::uint32_t>(receptor_matrix(pop.receptors[q], 1.0).vars);
    }
    return k;
}

const double* spiking_engine::receptor_current(std::size_t pop, std::size_t r) const {
    const auto k = pops_[pop].current_channel.at(r);
    return k == npos ? nullptr : pops_[pop].channels[k].x.data();
}

double* spiking_engine::receptor_state(std::size_t pop, std::size_t r) {
    const auto k = pops_[pop].current_channel.at(r);
    return k == npos ? nullptr : pops_[pop].channels[k].x.data();
}

const double* spiking_engine::adaptation(std::size_t pop) const {
    return pops_[pop].adaptive ? pops_[pop].channels.back().x.data() : nullptr;
}

bool spiking_engine::dense_ring(std::size_t p, std::size_t r) const {
    // Dense delivery (delay_ring.hpp) from 32 incoming synapses per target on the receptor: at a
    // few Hz per source and dt = 0.1 ms that is ≳ 0.01–0.1 events per target and step, where an
    // event costs as much as walking ≈ 30 targets densely. A fixed property of the network, so the
    // choice is the same for any thread count and after a restore.
    std::uint64_t synapses = 0;
    for (const auto& pr : net_.projections) {
        if (pr.post == p && pr.receptor == r) synapses += pr.synapses.size();
    }
    return synapses >= 32 * static_cast<std::uint64_t>(net_.populations[p].n);
}

namespace {
template <class A, class B>
void convert(const A& from, B& to) {
    to.resize(from.size());
    std::transform(from.begin(), from.end(), to.begin(), [](auto v) { return static_cast<typename B::value_type>(v); });
}
}  // namespace

void spiking_engine::to_f32_coefficients(std::size_t p) {
    auto& st = pops_[p];
    auto& f = st.f32;
    const auto& lif = net_.populations[p].lif;
    convert(st.v_decay, f.v_decay);
    convert(st.v_drive, f.v_drive);
    convert(lif.V_th, f.th);
    convert(lif.V_reset, f.reset);
    convert(st.v_noise_amp, f.v_noise_amp);
    convert(st.adapt_jump, f.adapt_jump);
    for (std::size_t k = 0; k < st.channels.size(); ++k) {
        convert(st.channels[k].to_v, f.to_v[k]);
        convert(st.channels[k].v_from_x, f.v_from_x[k]);
    }
}

void spiking_engine::to_f32_state() {
    for (auto& st : pops_) {
        convert(st.V, st.f32.V);
        for (std::size_t k = 0; k < st.channels.size(); ++k) convert(st.channels[k].x, st.f32.x[k]);
    }
}

void spiking_engine::from_f32() {
    for (auto& st : pops_) {
        convert(st.f32.V, st.V);
        for (std::size_t k = 0; k < st.channels.size(); ++k) convert(st.f32.x[k], st.channels[k].x);
    }
}

void spiking_engine::refresh_noise(std::size_t p, std::size_t stream, double* buf, std::size_t i0, std::size_t i1,
                                   std::uint64_t block) {
    const std::size_t row = noise_row_stride(net_.populations[p].n);
    // Counter {neuron, block = step / 4, neuron_noise | (population, stream) << 8}: four steps per call.
    rng::normals_block(seed_, rng::purpose::neuron_noise, static_cast<std::uint32_t>(i0), block,
                       static_cast<std::uint32_t>(p * 256 + stream), i1 - i0, buf + i0, buf + row + i0, buf + 2 * row + i0,
                       buf + 3 * row + i0);
}

void spiking_engine::refresh_noise(std::size_t p, std::size_t stream, float* buf, std::size_t i0, std::size_t i1,
                                   std::uint64_t block) {
    // float32 precision: the same Philox words as the double normals (the same counters), through
    // the float32 Box–Muller (rng_units.hpp: each normal within ~1e-6·(1 + |z|) of the double one).
    const std::size_t row = noise_row_stride(net_.populations[p].n), m = i1 - i0;
    static const rng::simd_lanes lanes = rng::compiled_lanes().back();
    thread_local std::vector<std::uint32_t> words;
    words.resize(4 * m);
    std::uint32_t *w0 = words.data(), *w1 = w0 + m, *w2 = w1 + m, *w3 = w2 + m;
    rng::philox_block(seed_, rng::purpose::neuron_noise, static_cast<std::uint32_t>(i0), block,
                      static_cast<std::uint32_t>(p * 256 + stream), m, w0, w1, w2, w3);
    rng::box_muller_words_f32(lanes, w0, w1, m, buf + i0, buf + row + i0);
    rng::box_muller_words_f32(lanes, w2, w3, m, buf + 2 * row + i0, buf + 3 * row + i0);
}

void spiking_engine::refresh_block_noise(std::size_t p) {
    // Noise of the current 4-step block is regenerated by the pass only at block starts:
    // regenerate it now so a restore (or reseed) in mid-block continues with the right numbers.
    auto& st = pops_[p];
    const std::size_t n = net_.populations[p].n;
    if (source_) return;  // an external source hands out each step's normals itself
    for (std::size_t k = 0; k < st.channels.size(); ++k) {
        if (st.channels[k].noise.empty()) continue;
        if (f32_) {
            refresh_noise(p, k, st.f32.noise[k].data(), 0, n, step_ / 4);
        } else {
            refresh_noise(p, k, st.channels[k].noise.data(), 0, n, step_ / 4);
        }
    }
    if (st.v_noise.empty()) return;
    if (f32_) {
        refresh_noise(p, membrane_noise_stream, st.f32.v_noise.data(), 0, n, step_ / 4);
    } else {
        refresh_noise(p, membrane_noise_stream, st.v_noise.data(), 0, n, step_ / 4);
    }
}

void spiking_engine::reseed(std::uint64_t seed) {
    seed_ = seed;
    for (std::size_t p = 0; p < pops_.size(); ++p) refresh_block_noise(p);
}

template <class T>
void spiking_engine::fill_noise(std::size_t p, std::uint32_t stream, T* buf, std::size_t i0, std::size_t i1, std::uint64_t step) {
    // The buffer holds four steps; Philox fills all four at a block's first step, a source one step at a time.
    const std::size_t row = noise_row_stride(net_.populations[p].n), phase = step % 4;
    if (source_) {
        if constexpr (std::is_same_v<T, double>) {
            source_->normals(p, stream, step, i0, i1, buf + phase * row + i0);
        } else {  // a source hands out doubles
            thread_local std::vector<double> z;
            z.resize(i1 - i0);
            source_->normals(p, stream, step, i0, i1, z.data());
            std::transform(z.begin(), z.end(), buf + phase * row + i0, [](double v) { return static_cast<float>(v); });
        }
    } else if (phase == 0) {
        refresh_noise(p, stream, buf, i0, i1, step / 4);
    }
}

void spiking_engine::advance_neurons(std::size_t p, std::size_t worker) {
    if (f32_) {
        advance_neurons_as<float>(p, worker);
    } else {
        advance_neurons_as<double>(p, worker);
    }
}

namespace {
// The array of the precision's real type T: `d` (double) or its float32 copy `f`.
template <class T, class D, class F>
auto* as_real(D& d, F& f) {
    if constexpr (std::is_same_v<T, double>) {
        return d.data();
    } else {
        return f.data();
    }
}
}  // namespace

// One (population, worker)'s pass view and what a step changes in it: the noise rows of the step's
// phase. On lines of its own (one worker writes it every step).
template <class T>
struct alignas(128) view_entry {
    detail::pass_view_t<T> view;
    T* v_xi0 = nullptr;                   // membrane noise rows (nullptr: none, the view reads zeros)
    T* xi0[detail::max_channels] = {};    // each channel's noise rows (nullptr: none)
    bool noisy = false;
    detail::pass_fn<T> kernel = nullptr;  // neuron_pass's choice for this variant
    std::array<detail::row_prefetch, detail::max_prefetch_tables> tables{};
};

struct spiking_engine::view_cache {
    std::vector<view_entry<double>> v64;  // [p · workers + w], float64
    std::vector<view_entry<float>> v32;   // float32
    template <class T>
    std::vector<view_entry<T>>& of() {
        if constexpr (std::is_same_v<T, double>) {
            return v64;
        } else {
            return v32;
        }
    }
};

namespace {
// Fills e for population p's range of worker w (everything but step, ids and the phase's rows).
template <class T, class State>
void fill_view(view_entry<T>& e, State& st, const network::spiking_population& pop, const T* zeros,
               const std::vector<network::spiking_projection>& projections, const std::vector<int>& common_delay, std::size_t p,
               const std::vector<std::vector<std::uint64_t>>& row_split, std::size_t worker, std::size_t workers,
               std::uint64_t* scratch, bool defer, bool descending) {
    auto& f = st.f32;
    const std::size_t K = st.channels.size();
    auto& w = e.view;
    w.n_tables = 0;
    w.V = as_real<T>(st.V, f.V);
    w.frozen_until = st.frozen_until.data();
    w.step = 0;
    w.decay = as_real<T>(st.v_decay, f.v_decay);
    w.drive = as_real<T>(st.v_drive, f.v_drive);
    w.th = as_real<T>(pop.lif.V_th, f.th);
    w.reset = as_real<T>(pop.lif.V_reset, f.reset);
    w.v_amp = st.v_noise.empty() ? zeros : as_real<T>(st.v_noise_amp, f.v_noise_amp);
    e.v_xi0 = st.v_noise.empty() ? nullptr : as_real<T>(st.v_noise, f.v_noise);
    w.v_xi = zeros;
    w.jump = st.adaptive ? as_real<T>(st.adapt_jump, f.adapt_jump) : nullptr;
    w.ref_steps = st.ref_steps.data();
    w.ids = nullptr;
    for (std::size_t q = 0; q < projections.size() && w.n_tables < e.tables.size(); ++q) {
        const auto& pr = projections[q];
        if (pr.pre != p || pr.synapses.size() == 0) continue;
        const auto& syn = pr.synapses;
        const std::size_t rows = syn.row_ptr.size();
        const std::uint64_t* first = workers > 1 ? row_split[q].data() + worker * rows : syn.row_ptr.data();
        const std::uint64_t* last = workers > 1 ? row_split[q].data() + (worker + 1) * rows : syn.row_ptr.data() + 1;
        e.tables[w.n_tables++] = {first, last, syn.target.data(), syn.weight.data(),
                                  common_delay[q] >= 0 ? nullptr : syn.delay_steps.data()};
    }
    w.tables = e.tables.data();
    w.scratch = scratch;
    e.noisy = !st.v_noise.empty();
    for (std::size_t k = 0; k < K; ++k) {
        auto& c = st.channels[k];
        w.x[k] = as_real<T>(c.x, f.x[k]);
        w.to_v[k] = as_real<T>(c.to_v, f.to_v[k]);
        e.xi0[k] = c.noise.empty() ? nullptr : as_real<T>(c.noise, f.noise[k]);
        w.xi[k] = zeros;
        w.v_from_x[k] = c.v_from_x.empty() ? zeros : as_real<T>(c.v_from_x, f.v_from_x[k]);
        w.x_decay[k] = static_cast<T>(c.decay);
        w.x_feed[k] = static_cast<T>(c.feed);
        w.x_amp[k] = static_cast<T>(c.noise_amp);
        w.channel_noise[k] = !c.noise.empty();
        e.noisy = e.noisy || !c.noise.empty();
    }
    w.channels = K;
    w.noise = e.noisy;
    w.adapt = st.adaptive;
    w.uniform = st.uniform;
    w.strict = pop.strict_threshold;
    w.defer = defer;
    w.keep_v = pop.reset == network::spike_reset::none;
    w.clamp_to_th = pop.reset == network::spike_reset::to_threshold;
    w.descending = descending;
    e.kernel = detail::neuron_pass_kernel(w);
}
}  // namespace

void spiking_engine::build_views() {
    // Pointers into the state arrays (which never move during a run), the coefficients, the
    // uniform flag (step currents can change it) and the walking direction (the partition).
    auto cache = std::make_shared<view_cache>();
    auto build = [&](auto& entries, const auto* zeros) {
        entries = std::remove_reference_t<decltype(entries)>(pops_.size() * workers_);
        for (std::size_t p = 0; p < pops_.size(); ++p) {
            for (std::size_t w = 0; w < workers_; ++w) {
                fill_view(entries[p * workers_ + w], pops_[p], net_.populations[p], zeros, net_.projections, common_delay_, p,
                          row_split_, w, workers_, scratch_.data() + scratch_offset_[p], policy_ != nullptr || interpolate_,
                          w % 2 == 0 && w + 1 < workers_);  // a neighbour's range lies just above: walk down
            }
        }
    };
    if (f32_) {
        build(cache->v32, zeros_f32_.data());
    } else {
        build(cache->v64, zeros_.data());
    }
    views_ = std::move(cache);
}

template <class T>
void spiking_engine::advance_neurons_as(std::size_t p, std::size_t worker) {
    const std::size_t i0 = bounds_[p][worker], i1 = bounds_[p][worker + 1];
    const std::uint64_t step = clock_[worker].step;
    const std::size_t list = found_list(step);
    auto& out = found_[list][p][worker].v;
    auto& e = views_->of<T>()[p * workers_ + worker];
    auto& w = e.view;
    w.step = step;
    w.ids = out.ids();
    auto& st = pops_[p];
    if (e.noisy) {  // this step's rows of the 4-step noise buffers (filled at a block's first step)
        const std::size_t n = net_.populations[p].n, phase = step % 4;
        for (std::size_t k = 0; k < w.channels; ++k) {
            if (!e.xi0[k]) continue;
            fill_noise(p, static_cast<std::uint32_t>(k), e.xi0[k], i0, i1, step);
            w.xi[k] = e.xi0[k] + phase * noise_row_stride(n);
        }
        if (e.v_xi0) {
            fill_noise(p, membrane_noise_stream, e.v_xi0, i0, i1, step);
            w.v_xi = e.v_xi0 + phase * noise_row_stride(n);
        }
    }
    if (step % (std::uint64_t{1} << 28) == 0) detail::refresh_frozen_until(st.frozen_until.data(), i0, i1, step);
    if (interpolate_) {  // the step's start, for the interpolant of each crossing (float64 only)
        std::copy(st.V.begin() + i0, st.V.begin() + i1, st.V_before.begin() + i0);
        for (std::size_t k = 0; k < st.channels.size(); ++k) {
            std::copy(st.channels[k].x.begin() + i0, st.channels[k].x.begin() + i1, st.x_before[k].begin() + i0);
        }
    }
    const auto result = e.kernel(w, i0, i1);
    out.set_size(result.crossings);
    if (interpolate_ || record_crossings_) {
        found_timing_[list][p][worker].v.clear();
        time_crossings(p, out.begin(), out.size(), step, found_timing_[list][p][worker].v);
    }
    if (!result.finite) nonfinite_[list * workers_ + worker] = 1;  // read by all after the step's meeting
}

void spiking_engine::time_crossings(std::size_t p, const std::uint32_t* ids, std::size_t count, std::uint64_t step,
                                    std::vector<std::pair<double, double>>& out) {
    // Crossing speed A = τ_m dV/dt at V_th (spec 003 Remark 2.1), dV/dt = (V∞ − V)/τ_m + Σ_k c_k x_k
    // with c_k = ±R/τ_m on the current-carrying channels. On the grid it is taken from the state at
    // t_{n+1} (spec 003 §2: A = I^{n+1} − I_th). exact_interpolated (spec 003 §4.4): the crossing
    // θ ∈ (0, 1] is the root of the cubic Hermite interpolant of V through (V_n, V̇_n), (V_{n+1}, V̇_{n+1})
    // (bisection, 50 halvings), A its slope there (not a separately interpolated current, which can
    // disagree at grazing crossings), and the reset runs over the rest of the step:
    // V = V_r e^{−(1−θ)h/τ_m} + (V∞ + τ_m Ī)(1 − e^{−(1−θ)h/τ_m}), Ī the mean input current over it.
    const auto& pop = net_.populations[p];
    auto& st = pops_[p];
    const double h = net_.dt;
    const std::size_t K = st.channels.size();
    for (std::size_t s = 0; s < count; ++s) {
        const std::uint32_t i = ids[s];
        const double tau = pop.lif.tau_m[i], drive = st.v_drive[i], th = pop.lif.V_th[i];
        const double rate = st.R[i] / tau;
        double in_new = 0.0;
        for (std::size_t k = 0; k < K; ++k) {
            in_new += st.channels[k].slope_sign * rate * (f32_ ? static_cast<double>(st.f32.x[k][i]) : st.channels[k].x[i]);
        }
        if (!interpolate_) {
            out.emplace_back(0.0, drive - th + tau * in_new);
            continue;
        }
        double in_old = 0.0;
        for (std::size_t k = 0; k < K; ++k) in_old += st.channels[k].slope_sign * rate * st.x_before[k][i];
        const double v0 = st.V_before[i], v1 = st.V[i];
        const double m0 = h * ((drive - v0) / tau + in_old), m1 = h * ((drive - v1) / tau + in_new);
        auto hermite = [&](double t) {
            const double t2 = t * t, t3 = t2 * t;
            return (2 * t3 - 3 * t2 + 1) * v0 + (t3 - 2 * t2 + t) * m0 + (-2 * t3 + 3 * t2) * v1 + (t3 - t2) * m1;
        };
        double lo = 0.0, hi = 1.0;
        if (v0 < th) {  // v0 ≥ V_th: above threshold at the step's start (e.g. V0): the crossing is t_n
            for (int it = 0; it < 50; ++it) {
                const double mid = 0.5 * (lo + hi);
                (hermite(mid) >= th ? hi : lo) = mid;
            }
        } else {
            hi = 0.0;
        }
        const double theta = hi, t2 = theta * theta;
        const double slope = ((6 * t2 - 6 * theta) * v0 + (3 * t2 - 4 * theta + 1) * m0 + (-6 * t2 + 6 * theta) * v1 + (3 * t2 - 2 * theta) * m1) / h;
        const double rest = (1.0 - theta) * h;
        // The reset (deferred by the pass): V from V_r over the rest of the step unless refractory
        // (then V is held at V_r on the grid, as the other integrators do), counter, adaptation.
        if (st.ref_steps[i] >= 0) {
            st.V[i] = pop.lif.V_reset[i];
        } else {
            const double decay = std::exp(-rest / tau);
            const double in_mean = 0.5 * ((1.0 - theta) * in_old + theta * in_new + in_new);
            st.V[i] = pop.lif.V_reset[i] * decay + (drive + tau * in_mean) * (1.0 - decay);
        }
        st.frozen_until[i] = stamp_after_spike(step, st.ref_steps[i]);
        if (st.adaptive) st.channels.back().x[i] += st.adapt_jump[i];
        out.emplace_back(rest, tau * slope);
    }
}

void spiking_engine::apply_policy() {
    // The policy sees every crossing; the kept ones are reset here (the pass deferred it).
    std::vector<std::vector<std::uint32_t>> candidates = spiked_;
    if (f32_) from_f32();  // the policy may read V through the double accessors
    policy_->select(*this, candidates);
    for (std::size_t p = 0; p < pops_.size(); ++p) {
        auto& st = pops_[p];
        const auto& pop = net_.populations[p];
        auto reset = [&](auto* V, auto* I_a, std::uint32_t i) {
            using T = std::remove_pointer_t<decltype(V)>;
            if (pop.reset == network::spike_reset::to_V_reset) V[i] = static_cast<T>(pop.lif.V_reset[i]);
            if (pop.reset == network::spike_reset::to_threshold) V[i] = static_cast<T>(pop.lif.V_th[i]);
            if (I_a) I_a[i] += static_cast<T>(st.adapt_jump[i]);
        };
        std::sort(candidates[p].begin(), candidates[p].end());
        candidates[p].erase(std::unique(candidates[p].begin(), candidates[p].end()), candidates[p].end());
        for (auto i : candidates[p]) {
            if (!std::binary_search(spiked_[p].begin(), spiked_[p].end(), i)) {
                throw internal_error("spike policy: neuron " + std::to_string(i) + " of " + pop.name + " was not a candidate");
            }
            if (f32_) {
                reset(st.f32.V.data(), st.adaptive ? st.f32.x.back().data() : nullptr, i);
            } else {
                reset(st.V.data(), st.adaptive ? st.channels.back().x.data() : nullptr, i);
            }
            st.frozen_until[i] = stamp_after_spike(step_ - 1, st.ref_steps[i]);  // the pass of step_ − 1 found it
        }
        spiked_[p] = std::move(candidates[p]);
    }
}

template <class F>
void spiking_engine::for_each_spike(std::size_t p, std::size_t list, F&& f) const {
    // Without a policy the step's spikes are the workers' lists in worker order (ascending ids);
    // with one, the policy's selection in spiked_.
    if (policy_) {
        for (auto j : spiked_[p]) f(j, 0.0);
        return;
    }
    const auto& found = found_[list][p];
    const auto& timing = found_timing_[list][p];
    for (std::size_t w = 0; w < found.size(); ++w) {
        const auto& part = found[w].v;
        const bool timed = interpolate_ && timing[w].v.size() == part.size();
        for (std::size_t k = 0; k < part.size(); ++k) f(part[k], timed ? timing[w].v[k].first : 0.0);
    }
}

void spiking_engine::write_out(std::size_t w) {
    // Worker w writes only the synapses onto its own targets: rows are sorted by target, so its
    // share of a row is one contiguous stretch. Every target therefore receives its inputs in the
    // same order (projection, spike, row) for any number of workers.
    // Rows of a step's spikes are short and scattered (mostly outside L2, and on two threads half
    // of them were found by the other worker, so its pass did not prefetch them here): find and
    // prefetch the rows of every projection first, so all their memory latencies overlap instead
    // of adding up once per projection.
    // A population without a spike in this step (CUBA's I population in ~60 % of the steps) skips
    // its projections, and a projection without rows its write: their set-up touches a dozen cache
    // lines each, a fixed cost per step.
    const std::size_t list = found_list(clock_[w].step);
    auto silent = [&](std::size_t p) {
        if (policy_) return spiked_[p].empty();
        for (const auto& part : found_[list][p]) {
            if (part.v.size() != 0) return false;
        }
        return true;
    };
    auto& scratch = row_scratch_[w].v;
    scratch.rows.clear();
    scratch.first.clear();
    for (std::size_t q = 0; q < net_.projections.size(); ++q) {
        scratch.first.push_back(scratch.rows.size());
        if (!silent(net_.projections[q].pre)) collect_rows(q, w, scratch.rows);
    }
    scratch.first.push_back(scratch.rows.size());
    for (std::size_t q = 0; q < net_.projections.size(); ++q) {
        if (scratch.first[q] == scratch.first[q + 1]) continue;
        write_rows(q, w, scratch.rows.data() + scratch.first[q], scratch.rows.data() + scratch.first[q + 1]);
    }
    write_out_lowrank(w);
    write_out_self(w);
}

void spiking_engine::collect_rows(std::size_t q, std::size_t w, std::vector<row_task>& rows) const {
    const auto& pr = net_.projections[q];
    const auto& syn = pr.synapses;
    const auto& st = pops_[pr.post];
    const std::uint32_t* target = syn.target.data();
    const float* weight = syn.weight.data();
    const std::uint16_t* delay = syn.delay_steps.data();
    // exact_interpolated: a spike `lag` before the step's end arrives inside the step, so by
    // the delivery the receptor state has decayed for lag, s += w e^{−lag/τ}, and V has
    // integrated it, V += w (R/τ_m) G(lag), G(u) = (e^{−u/τ} − e^{−u/τ_m})/(1/τ_m − 1/τ)
    // (delta: V += w e^{−lag/τ_m}); spec 003 §4.4 step 3.
    const bool sub_step = interpolate_ && !st.v_ring.empty();
    const double tau_r = sub_step ? st.receptor_tau[pr.receptor] : 0.0;
    const auto& lif = net_.populations[pr.post].lif;
    const double tau_m = !sub_step || lif.tau_m.empty() ? 1.0 : lif.tau_m[0];
    const double rate = !sub_step || lif.R.empty() ? 1.0 : lif.R[0] / tau_m;
    // Where each worker's stretch of row j begins (from partition(): no searches per spike).
    const bool split = workers_ > 1;
    const std::uint64_t* cut = split ? row_split_[q].data() + static_cast<std::size_t>(syn.row_ptr.size()) * w : nullptr;
    const bool delays = common_delay_[q] < 0;
    for_each_spike(pr.pre, found_list(clock_[w].step), [&](std::uint32_t j, double lag) {
        const std::uint64_t k0 = split ? cut[j] : syn.row_begin(j);
        const std::uint64_t k1 = split ? cut[syn.row_ptr.size() + j] : syn.row_end(j);
        if (k0 == k1) return;
        // The whole stretch: its first line alone leaves the rest to the hardware prefetcher,
        // which starts too late for rows of a few lines.
        constexpr std::uint64_t line = 64;
        for (std::uint64_t k = k0; k < k1; k += line / sizeof(std::uint32_t)) {
            __builtin_prefetch(target + k);
            __builtin_prefetch(weight + k);
        }
        if (delays) {
            for (std::uint64_t k = k0; k < k1; k += line / sizeof(std::uint16_t)) __builtin_prefetch(delay + k);
        }
        double to_x = 1.0, to_v = 0.0;
        if (sub_step && lag > 0) {
            if (tau_r > 0) {
                const double a = 1.0 / tau_m, b = 1.0 / tau_r;
                to_x = std::exp(-b * lag);
                to_v = rate * (std::abs(a - b) < 1e-12 * a ? lag * std::exp(-a * lag) : (to_x - std::exp(-a * lag)) / (a - b));
            } else if (st.input_channel[pr.receptor] == npos) {  // delta: straight into V
                to_x = std::exp(-lag / tau_m);
            }
        }
        rows.push_back({k0, k1, to_x, to_v});
    });
}

void spiking_engine::write_rows(std::size_t q, std::size_t w, const row_task* begin, const row_task* end) {
    const auto& pr = net_.projections[q];
    const auto& syn = pr.synapses;
    const double sign = net_.populations[pr.pre].excitatory ? 1.0 : -1.0;
    auto& st = pops_[pr.post];
    const std::uint32_t* target = syn.target.data();
    const float* weight = syn.weight.data();
    const std::uint16_t* delay = syn.delay_steps.data();
    const std::uint32_t pulse = st.pulse_steps[pr.receptor];
    const bool sub_step = interpolate_ && !st.v_ring.empty();
    const std::size_t* slot_of = clock_[w].slot_of.data();
    const std::span<const row_task> rows(begin, end);
    if (pulse == 0 && !sub_step) {  // the common case, without the per-event tests below
        if (direct_[q]) {
            // Delay 0 arrives in this step's delivery: add straight into the receptor state
            // (as Brian2's on_pre does), skipping the ring's list, count and drain. Same
            // fixed order per target (projection, spike, row) for any number of workers.
            const std::size_t into = st.input_channel[pr.receptor];
            auto add = [&](auto* x) {  // in the precision's real type
                using T = std::remove_pointer_t<decltype(x)>;
                const T factor = static_cast<T>(sign * st.input_scale[pr.receptor]);
                for (const auto& row : rows) {
                    for (std::uint64_t k = row.k0; k < row.k1; ++k) x[target[k]] += factor * static_cast<T>(weight[k]);
                }
            };
            if (f32_) {
                add(st.f32.x[into].data());
            } else {
                add(st.channels[into].x.data());
            }
            return;
        }
        with_ring(pr.post, pr.receptor, [&](auto& ring) {
            const auto out = ring.writer(w);
            if (common_delay_[q] >= 0) {  // one slot for the whole projection: no delay reads
                const std::size_t slot = slot_of[common_delay_[q]];
                for (const auto& row : rows) out.add_row(slot, target, weight, row.k0, row.k1, sign);
            } else {
                for (const auto& row : rows) {
                    for (std::uint64_t k = row.k0; k < row.k1; ++k) out.add(slot_of[delay[k]], target[k], sign * static_cast<double>(weight[k]));
                }
            }
        });
        return;
    }
    with_ring(pr.post, pr.receptor, [&](auto& ring) {
        for (const auto& row : rows) {
            for (std::uint64_t k = row.k0; k < row.k1; ++k) {
                const double value = sign * static_cast<double>(weight[k]);
                ring.add(slot_of[delay[k]], w, target[k], value * row.to_x);
                if (row.to_v != 0.0) st.v_ring[pr.receptor].add(slot_of[delay[k]], w, target[k], value * row.to_v);
                // A pulse ends `pulse` steps after it began (slot_of covers delay + pulse).
                if (pulse != 0) ring.add(slot_of[delay[k] + pulse], w, target[k], -value);
            }
        }
    });
}

void spiking_engine::write_out_lowrank(std::size_t w) {
    // The step's latent increment z = Σ_{j spiking} D_j (spike order, so every worker sums the
    // same numbers) goes into this worker's copy of the projection's latent ring; delivery turns
    // it into E·z for the worker's own targets. O(spikes·rank) here, O(N_post·rank) there.
    const std::size_t* slot_of = clock_[w].slot_of.data();
    for (std::size_t q = 0; q < net_.lowrank.size(); ++q) {
        const auto& pr = net_.lowrank[q];
        const std::size_t r = pr.rank;
        double* ring = latent_ring_[q][w].data();
        double* z = ring + slot_of[pr.delay_steps] * r;
        const std::uint32_t pulse = pops_[pr.post].pulse_steps[pr.receptor];
        double* z_end = pulse != 0 ? ring + slot_of[pr.delay_steps + pulse] * r : nullptr;
        const double* D = pr.decoders.data();
        for_each_spike(pr.pre, found_list(clock_[w].step), [&](std::uint32_t j, double) {
            for (std::size_t k = 0; k < r; ++k) {
                z[k] += D[j * r + k];
                if (z_end) z_end[k] -= D[j * r + k];  // a pulse ends `pulse` steps after it began
            }
        });
        if (!pr.exclude_self) continue;
        // The diagonal E_j·D_j leaves through the event ring of the firing neuron itself.
        const std::uint32_t lo = static_cast<std::uint32_t>(bounds_[pr.post][w]);
        const std::uint32_t hi = static_cast<std::uint32_t>(bounds_[pr.post][w + 1]);
        const double* E = pr.encoders.data();
        with_ring(pr.post, pr.receptor, [&](auto& ev) {
            for_each_spike(pr.pre, found_list(clock_[w].step), [&](std::uint32_t j, double) {
                if (j < lo || j >= hi) return;
                double self = 0.0;
                for (std::size_t k = 0; k < r; ++k) self += E[j * r + k] * D[j * r + k];
                ev.add(slot_of[pr.delay_steps], w, j, -self);
                if (pulse != 0) ev.add(slot_of[pr.delay_steps + pulse], w, j, self);
            });
        });
    }
}

void spiking_engine::write_out_self(std::size_t w) {
    // Instantaneous self terms (spec 000 Eq. S9: the cost −μ): into the neuron's own receptor, delay 0.
    for (std::size_t p = 0; p < pops_.size(); ++p) {
        const auto& pop = net_.populations[p];
        if (pop.self_weight.empty()) continue;
        const std::uint32_t lo = static_cast<std::uint32_t>(bounds_[p][w]);
        const std::uint32_t hi = static_cast<std::uint32_t>(bounds_[p][w + 1]);
        const std::uint32_t pulse = pops_[p].pulse_steps[pop.self_receptor];
        with_ring(p, pop.self_receptor, [&](auto& ev) {
            for_each_spike(p, found_list(clock_[w].step), [&](std::uint32_t i, double) {
                if (i < lo || i >= hi) return;
                ev.add(clock_[w].slot_of[0], w, i, pop.self_weight[i]);
                if (pulse != 0) ev.add(clock_[w].slot_of[pulse], w, i, -pop.self_weight[i]);
            });
        });
    }
}

void spiking_engine::deliver(std::size_t w) {
    if (f32_) {
        deliver_as<float>(w);
    } else {
        deliver_as<double>(w);
    }
}

template <class T>
void spiking_engine::deliver_as(std::size_t w) {
    // Only the entries that spikes wrote to are visited (events, not neurons); a target listed
    // twice receives its sum the first time and 0 the second. Rings and state in the real type T.
    for (std::size_t p = 0; p < pops_.size(); ++p) {
        auto& st = pops_[p];
        const auto& pop = net_.populations[p];
        // Closed to delta input: frozen in this step's pass, or fired in it with t_ref ≥ dt (Brian2):
        // both are a stamp beyond the pass's step.
        const std::uint32_t* until = st.frozen_until.data();
        const std::uint64_t n = clock_[w].step;
        T* V = as_real<T>(st.V, st.f32.V);
        auto* rings = as_real<T>(st.ring, st.ring32);  // the rings of this precision (per receptor)
        for (std::size_t r = 0; r < pop.receptors.size(); ++r) {
            if (!st.ring_fed[r]) continue;  // nothing ever writes this ring (delay-0 projections only)
            const std::size_t k = st.input_channel[r];
            if (k == npos) {  // delta: into V, dropped while closed (refractory; Brian2 semantics)
                rings[r].drain(clock_[w].now, w, [&](std::uint32_t i, T x) {
                    if (!frozen_at(until[i], n)) V[i] += x;
                });
            } else {
                T* x = as_real<T>(st.channels[k].x, st.f32.x[k]);
                const T scale = static_cast<T>(st.input_scale[r]);
                rings[r].drain_add(clock_[w].now, w, x, scale);
                if (!st.v_ring.empty()) {  // exact_interpolated: what the arrival added to V within the step
                    st.v_ring[r].drain(clock_[w].now, w, [&](std::uint32_t i, double x_v) {
                        if (!frozen_at(until[i], n)) V[i] += static_cast<T>(x_v);
                    });
                }
            }
        }
    }
    deliver_lowrank<T>(w);
}

template <class T>
void spiking_engine::deliver_lowrank(std::size_t w) {
    // E·z of the current latent slot into the worker's own targets (after the event ring, so the
    // summation order is fixed); a delta receptor follows the event ring's closed rule.
    for (std::size_t q = 0; q < net_.lowrank.size(); ++q) {
        const auto& pr = net_.lowrank[q];
        const std::size_t r = pr.rank;
        double* z = latent_ring_[q][w].data() + clock_[w].now * r;
        if (std::all_of(z, z + r, [](double v) { return v == 0.0; })) continue;
        auto& st = pops_[pr.post];
        const std::size_t lo = bounds_[pr.post][w], hi = bounds_[pr.post][w + 1];
        const double* E = pr.encoders.data();
        const std::size_t k = st.input_channel[pr.receptor];
        const std::uint32_t* until = st.frozen_until.data();
        T* target = k == npos ? as_real<T>(st.V, st.f32.V) : as_real<T>(st.channels[k].x, st.f32.x[k]);
        const double scale = k == npos ? 1.0 : st.input_scale[pr.receptor];
        for (std::size_t i = lo; i < hi; ++i) {
            double v = 0.0;
            for (std::size_t m = 0; m < r; ++m) v += E[i * r + m] * z[m];
            if (k == npos && frozen_at(until[i], clock_[w].step)) continue;  // closed, as in deliver()
            target[i] += static_cast<T>(scale * v);
        }
        std::fill(z, z + r, 0.0);
    }
}

std::int64_t spiking_engine::refractory_steps_left(std::size_t pop, std::size_t i) const {
    // The passes of steps step_, step_ + 1, … that still hold neuron i.
    return std::max<std::int64_t>(0, static_cast<std::int32_t>(pops_[pop].frozen_until[i] - static_cast<std::uint32_t>(step_)));
}

std::vector<state_array> spiking_engine::snapshot() const {
    std::vector<state_array> out;
    out.push_back({"step", {static_cast<double>(step_)}});
    out.push_back({"ring_now", {static_cast<double>(ring_now_)}});
    for (std::size_t p = 0; p < pops_.size(); ++p) {
        const auto& st = pops_[p];
        const std::string pre = net_.populations[p].name + "/";
        out.push_back({pre + "V", {st.V.begin(), st.V.end()}});
        std::vector<double> left(net_.populations[p].n);
        for (std::size_t i = 0; i < left.size(); ++i) left[i] = static_cast<double>(refractory_steps_left(p, i));
        out.push_back({pre + "refractory_steps_left", std::move(left)});
        for (std::size_t k = 0; k < st.channels.size(); ++k) {
            out.push_back({pre + "channel" + std::to_string(k), {st.channels[k].x.begin(), st.channels[k].x.end()}});
        }
        for (std::size_t r = 0; r < st.ring.size(); ++r) {
            out.push_back({pre + "ring/" + net_.populations[p].receptors[r].name, f32_ ? st.ring32[r].values() : st.ring[r].values()});
        }
        for (std::size_t r = 0; r < st.v_ring.size(); ++r) {
            out.push_back({pre + "v_ring/" + net_.populations[p].receptors[r].name, st.v_ring[r].values()});
        }
    }
    for (std::size_t q = 0; q < latent_ring_.size(); ++q) out.push_back({"lowrank" + std::to_string(q) + "/latent_ring", latent_ring_[q].front()});
    if (policy_) {
        for (auto& a : policy_->snapshot()) out.push_back({"policy/" + a.name, std::move(a.values)});
    }
    return out;
}

void spiking_engine::restore(const std::vector<state_array>& state) {
    auto find = [&](const std::string& name, std::size_t size) -> const std::vector<double>& {
        for (const auto& a : state) {
            if (a.name != name) continue;
            if (a.values.size() != size) {
                throw config_error("checkpoint: array " + name + " has " + std::to_string(a.values.size()) +
                                   " values, this network expects " + std::to_string(size));
            }
            return a.values;
        }
        throw config_error("checkpoint: array " + name + " is missing (was it written for another network?)");
    };
    step_ = static_cast<std::uint64_t>(find("step", 1)[0]);
    ring_now_ = static_cast<std::size_t>(find("ring_now", 1)[0]);
    if (ring_now_ >= ring_slots_) throw config_error("checkpoint: ring position beyond this network's delay buffer");
    for (std::size_t p = 0; p < pops_.size(); ++p) {
        auto& st = pops_[p];
        const auto& pop = net_.populations[p];
        const std::string pre = pop.name + "/";
        const auto& V = find(pre + "V", pop.n);
        std::copy(V.begin(), V.end(), st.V.begin());
        const auto& ref = find(pre + "refractory_steps_left", pop.n);
        // Frozen in the passes of steps step_ … step_ + left − 1.
        for (std::size_t i = 0; i < pop.n; ++i) st.frozen_until[i] = static_cast<std::uint32_t>(step_ + static_cast<std::uint64_t>(static_cast<std::int64_t>(ref[i])));
        for (std::size_t k = 0; k < st.channels.size(); ++k) {
            const auto& x = find(pre + "channel" + std::to_string(k), pop.n);
            std::copy(x.begin(), x.end(), st.channels[k].x.begin());
        }
        for (std::size_t r = 0; r < st.ring.size(); ++r) {
            const auto& values = find(pre + "ring/" + pop.receptors[r].name, ring_slots_ * pop.n);
            with_ring(p, r, [&](auto& ring) { ring.assign(values); });
            if (std::any_of(values.begin(), values.end(), [](double v) { return v != 0.0; })) st.ring_fed[r] = 1;  // pending input
        }
        for (std::size_t r = 0; r < st.v_ring.size(); ++r) {
            st.v_ring[r].assign(find(pre + "v_ring/" + pop.receptors[r].name, ring_slots_ * pop.n));
        }
        refresh_block_noise(p);
        set_step_currents(p);
    }
    for (std::size_t q = 0; q < latent_ring_.size(); ++q) {
        const auto& z = find("lowrank" + std::to_string(q) + "/latent_ring", ring_slots_ * net_.lowrank[q].rank);
        for (auto& copy : latent_ring_[q]) copy = z;
    }
    if (policy_) {
        std::vector<state_array> own;
        for (const auto& a : state) {
            if (a.name.rfind("policy/", 0) == 0) own.push_back({a.name.substr(7), a.values});
        }
        policy_->restore(own);
    }
    for (auto& next : spike_input_next_) std::fill(next.v.begin(), next.v.end(), 0);
}

}  // namespace einet::engine
