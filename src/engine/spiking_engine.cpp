#include "einet/engine/spiking_engine.hpp"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <cmath>
#include <exception>
#include <type_traits>

#include "einet/core/error.hpp"
#include "einet/core/rng_block.hpp"

namespace einet::engine {

spiking_engine::spiking_engine(network::spiking_network net, std::uint64_t seed) : net_(std::move(net)), seed_(seed) {
    net_.validate();
    const double h = net_.dt;
    const bool exact = net_.method == network::integrator::exact;
    std::size_t max_delay = 0;
    for (const auto& pr : net_.projections) max_delay = std::max<std::size_t>(max_delay, pr.synapses.largest_delay_steps());
    ring_slots_ = max_delay + 1;
    for (const auto& pop : net_.populations) {
        const std::size_t n = pop.n, R = pop.receptors.size();
        V_.emplace_back(pop.V0.begin(), pop.V0.end());
        refractory_left_.emplace_back(n, 0);
        spiked_.emplace_back();
        s_.emplace_back(R, aligned_vector<double>(n, 0.0));
        noise_.emplace_back(R, aligned_vector<double>());
        ring_.emplace_back(R, aligned_vector<double>(ring_slots_ * n, 0.0));
        touched_.emplace_back(R, std::vector<std::vector<std::uint32_t>>(ring_slots_));
        zeros_.resize(std::max(zeros_.size(), n), 0.0);
        nonfinite_.push_back(0);
        fired_offset_.push_back(fired_.size());
        fired_.resize(fired_.size() + n);  // one flag per neuron of every population: ranges never overlap
        aligned_vector<double> v_decay(n), v_drive(n);
        aligned_vector<std::int32_t> ref_steps(n);
        std::vector<aligned_vector<double>> s_to_v(R, aligned_vector<double>(n, 0.0));
        std::vector<double> s_decay(R, 1.0), s_amp(R, 0.0);
        for (std::size_t i = 0; i < n; ++i) {
            const double tau_m = pop.lif.tau_m[i], Rm = pop.lif.R[i];
            // V_{n+1} = V∞ + (V_n − V∞)·decay + Σ_r s_r·s_to_v, V∞ = E_L + R I_e:
            // exact propagator of τ_m dV/dt = −(V − E_L) + R(s + I_e) over h, or explicit Euler
            // (decay 1 − h/τ_m, s_to_v = R h/τ_m; spec 003 Eq. 2.1).
            v_drive[i] = pop.lif.E_L[i] + Rm * pop.lif.I_e[i];
            v_decay[i] = exact ? std::exp(-h / tau_m) : 1.0 - h / tau_m;
            // Refractory as Brian2 counts it (the paper-001 code and the cross-validation anchor):
            // the period runs from the spike's step, so V is held for round(t_ref/h) − 1 further
            // updates and shows V_reset for round(t_ref/h) samples (NEST holds one update more).
            ref_steps[i] = std::max<std::int32_t>(0, static_cast<std::int32_t>(std::llround(pop.lif.t_ref[i] / h)) - 1);
            for (std::size_t r = 0; r < R; ++r) {
                const auto& rc = pop.receptors[r];
                if (rc.kind != network::kinetics::exponential) continue;
                const double tau = rc.tau;
                if (!exact) {
                    s_to_v[r][i] = Rm * h / tau_m;
                } else if (std::abs(tau - tau_m) > 1e-12 * tau_m) {
                    // s decaying with τ drives V by R s0 τ/(τ − τ_m)(e^{−h/τ} − e^{−h/τ_m}) over h.
                    s_to_v[r][i] = Rm * tau / (tau - tau_m) * (std::exp(-h / tau) - std::exp(-h / tau_m));
                } else {
                    s_to_v[r][i] = Rm * (h / tau_m) * std::exp(-h / tau_m);  // the τ → τ_m limit
                }
            }
        }
        for (std::size_t r = 0; r < R; ++r) {
            const auto& rc = pop.receptors[r];
            if (rc.kind != network::kinetics::exponential) continue;
            if (exact) {  // exact decay and exact OU transition
                s_decay[r] = std::exp(-h / rc.tau);
                s_amp[r] = rc.noise_sigma * std::sqrt(0.5 * rc.tau * (1.0 - s_decay[r] * s_decay[r]));
            } else {  // Euler–Maruyama, spec 003 Eq. 2.2
                s_decay[r] = 1.0 - h / rc.tau;
                s_amp[r] = rc.noise_sigma * std::sqrt(h);
            }
            if (rc.noise_sigma > 0) noise_.back()[r].assign(4 * n, 0.0);
        }
        v_decay_.push_back(std::move(v_decay));
        v_drive_.push_back(std::move(v_drive));
        ref_steps_.push_back(std::move(ref_steps));
        s_to_v_.push_back(std::move(s_to_v));
        s_decay_.push_back(std::move(s_decay));
        s_noise_amp_.push_back(std::move(s_amp));
    }
}

void spiking_engine::refresh_noise(std::size_t p, std::size_t r, std::size_t i0, std::size_t i1) {
    auto& buf = noise_[p][r];
    const std::size_t n = net_.populations[p].n;
    // Counter {neuron, step / 4, neuron_noise | (population, receptor) << 8}: four steps per call.
    rng::normals_block(seed_, rng::purpose::neuron_noise, static_cast<std::uint32_t>(i0), step_ / 4,
                       static_cast<std::uint32_t>(p * 256 + r), i1 - i0, buf.data() + i0, buf.data() + n + i0,
                       buf.data() + 2 * n + i0, buf.data() + 3 * n + i0);
}

void spiking_engine::advance_neurons(std::size_t p, std::size_t i0, std::size_t i1, std::vector<std::uint32_t>& out) {
    const auto& pop = net_.populations[p];
    const std::size_t R = pop.receptors.size(), n = pop.n;
    double* V = V_[p].data();
    std::int32_t* ref = refractory_left_[p].data();
    const double* decay = v_decay_[p].data();
    const double* drive = v_drive_[p].data();
    const double* V_th = pop.lif.V_th.data();
    const double* V_reset = pop.lif.V_reset.data();
    for (std::size_t r = 0; r < R; ++r) {
        if (!noise_[p][r].empty() && step_ % 4 == 0) refresh_noise(p, r, i0, i1);
    }
    // One pass per neuron: (1) V from the receptor states at t_n unless refractory, (2) the
    // receptors (s ← decay·s + amp·ξ), (3) threshold and reset; a non-finite V is remembered.
    double* s_ptr[8];
    const double* to_v[8];
    const double* xi[8];
    double s_decay[8], s_amp[8];
    std::size_t exp_count = 0;
    for (std::size_t r = 0; r < R; ++r) {
        if (pop.receptors[r].kind != network::kinetics::exponential) continue;
        s_ptr[exp_count] = s_[p][r].data();
        to_v[exp_count] = s_to_v_[p][r].data();
        xi[exp_count] = noise_[p][r].empty() ? nullptr : noise_[p][r].data() + (step_ % 4) * n;
        s_decay[exp_count] = s_decay_[p][r];
        s_amp[exp_count] = s_noise_amp_[p][r];
        ++exp_count;
    }
    const std::int32_t* ref_steps = ref_steps_[p].data();
    bool noisy = false;
    for (std::size_t k = 0; k < exp_count; ++k) noisy = noisy || xi[k] != nullptr;
    bool finite = true;
    auto kernel = [&](auto K_tag, auto noise_tag) {
        constexpr std::size_t K = decltype(K_tag)::value;
        constexpr bool NOISE = decltype(noise_tag)::value;
        std::uint8_t* __restrict fired = fired_.data() + fired_offset_[p];
        double* __restrict Vv = V;
        std::int32_t* __restrict refv = ref;
        const double* __restrict dec = decay;
        const double* __restrict drv = drive;
        const double* __restrict th = V_th;
        const double* __restrict rs = V_reset;
        const std::int32_t* __restrict rsteps = ref_steps;
        double* sp[K + 1];
        const double* tv[K + 1];
        const double* xn[K + 1];
        double sd[K + 1], sa[K + 1];
        for (std::size_t k = 0; k < K; ++k) {
            sp[k] = s_ptr[k];
            tv[k] = to_v[k];
            xn[k] = xi[k] ? xi[k] : zeros_.data();  // a receptor without noise reads zeros
            sd[k] = s_decay[k];
            sa[k] = s_amp[k];
        }
        int bad = 0;
#pragma omp simd reduction(| : bad)
        for (std::size_t i = i0; i < i1; ++i) {
            const double v_old = Vv[i];
            const bool refractory = refv[i] > 0;
            double v = drv[i] + (v_old - drv[i]) * dec[i];
            for (std::size_t k = 0; k < K; ++k) v += sp[k][i] * tv[k][i];
            v = refractory ? v_old : v;
            for (std::size_t k = 0; k < K; ++k) {
                if constexpr (NOISE) {
                    sp[k][i] = sd[k] * sp[k][i] + sa[k] * xn[k][i];
                } else {
                    sp[k][i] = sp[k][i] * sd[k];
                }
            }
            const bool fire = !refractory && v >= th[i];
            refv[i] = refractory ? refv[i] - 1 : (fire ? rsteps[i] : 0);
            v = fire ? rs[i] : v;
            fired[i] = fire ? 1 : 0;
            bad |= (v - v == 0.0) ? 0 : 1;  // NaN and infinities give NaN here
            Vv[i] = v;
        }
        const bool ok = bad == 0;
        finite = ok;
        // Spikes are rare: test eight flags per load and look closer only where one is set.
        std::size_t i = i0;
        for (; i + 8 <= i1; i += 8) {
            std::uint64_t word;
            std::memcpy(&word, fired + i, sizeof word);
            if (word == 0) continue;
            for (std::size_t j = i; j < i + 8; ++j) {
                if (fired[j]) out.push_back(static_cast<std::uint32_t>(j));
            }
        }
        for (; i < i1; ++i) {
            if (fired[i]) out.push_back(static_cast<std::uint32_t>(i));
        }
    };
    using yes = std::true_type;
    using no = std::false_type;
    switch (exp_count) {
        case 0: kernel(std::integral_constant<std::size_t, 0>{}, no{}); break;
        case 1: noisy ? kernel(std::integral_constant<std::size_t, 1>{}, yes{}) : kernel(std::integral_constant<std::size_t, 1>{}, no{}); break;
        case 2: noisy ? kernel(std::integral_constant<std::size_t, 2>{}, yes{}) : kernel(std::integral_constant<std::size_t, 2>{}, no{}); break;
        case 3: noisy ? kernel(std::integral_constant<std::size_t, 3>{}, yes{}) : kernel(std::integral_constant<std::size_t, 3>{}, no{}); break;
        default: throw internal_error("spiking_engine: more than 3 exponential receptors per population");
    }
    if (!finite) {
#pragma omp atomic write
        nonfinite_[p] = 1;
    }
}

void spiking_engine::write_out() {
    for (const auto& pr : net_.projections) {
        const auto& syn = pr.synapses;
        const std::size_t n_post = net_.populations[pr.post].n;
        const double sign = net_.populations[pr.pre].excitatory ? 1.0 : -1.0;
        double* ring = ring_[pr.post][pr.receptor].data();
        for (std::uint32_t j : spiked_[pr.pre]) {
            for (std::uint64_t k = syn.row_begin(j); k < syn.row_end(j); ++k) {
                std::size_t slot = ring_now_ + syn.delay_steps[k];  // < 2·ring_slots_: no division
                slot = slot >= ring_slots_ ? slot - ring_slots_ : slot;
                ring[slot * n_post + syn.target[k]] += sign * static_cast<double>(syn.weight[k]);
                touched_[pr.post][pr.receptor][slot].push_back(syn.target[k]);
            }
        }
    }
}

void spiking_engine::deliver() {
    // Only the entries that spikes wrote to are visited (events, not neurons); a target listed
    // twice receives its sum the first time and 0 the second.
    for (std::size_t p = 0; p < net_.populations.size(); ++p) {
        const std::size_t n = net_.populations[p].n;
        for (std::size_t r = 0; r < net_.populations[p].receptors.size(); ++r) {
            double* slot = ring_[p][r].data() + ring_now_ * n;
            double* target = net_.populations[p].receptors[r].kind == network::kinetics::delta ? V_[p].data()
                                                                                                : s_[p][r].data();
            auto& list = touched_[p][r][ring_now_];
            for (std::uint32_t i : list) {
                target[i] += slot[i];
                slot[i] = 0.0;
            }
            list.clear();
        }
    }
    ring_now_ = (ring_now_ + 1) % ring_slots_;
}

void spiking_engine::run(std::size_t steps, spike_hook* hook, int threads) {
    if (threads <= 0) threads = omp_get_max_threads();
    const std::size_t P = net_.populations.size();
    // Each population is split into `workers` contiguous ranges starting at multiples of 16. A
    // parallel region per step costs a few microseconds, more than a small network's step: below
    // ~8k neurons per worker the step runs on fewer threads (the results do not depend on it).
    std::size_t total = 0;
    for (const auto& pop : net_.populations) total += pop.n;
    std::size_t workers = std::clamp<std::size_t>(total / std::max<std::size_t>(min_neurons_per_thread_, 1), 1,
                                                  static_cast<std::size_t>(threads));
    threads = static_cast<int>(workers);
    std::vector<std::vector<std::vector<std::uint32_t>>> found(P, std::vector<std::vector<std::uint32_t>>(workers));
    auto bound = [&](std::size_t p, std::size_t w) {
        const std::size_t n = net_.populations[p].n;
        return w >= workers ? n : std::min(n, (w * n / workers + 8) / 16 * 16);
    };
    for (std::size_t s = 0; s < steps; ++s) {
        std::exception_ptr failure;
#pragma omp parallel for schedule(static, 1) num_threads(threads)
        for (std::size_t w = 0; w < workers; ++w) {
            try {
                for (std::size_t p = 0; p < P; ++p) {
                    found[p][w].clear();
                    advance_neurons(p, bound(p, w), bound(p, w + 1), found[p][w]);
                }
            } catch (...) {
#pragma omp critical(einet_spiking_failure)
                if (!failure) failure = std::current_exception();
            }
        }
        if (failure) std::rethrow_exception(failure);
        ++step_;
        for (std::size_t p = 0; p < P; ++p) {
            spiked_[p].clear();
            for (const auto& part : found[p]) spiked_[p].insert(spiked_[p].end(), part.begin(), part.end());
        }
        write_out();
        deliver();
        if (hook) hook->on_step(*this);
        for (std::size_t p = 0; p < P; ++p) {
            if (!nonfinite_[p]) continue;
            for (std::size_t i = 0; i < net_.populations[p].n; ++i) {
                if (!std::isfinite(V_[p][i])) {
                    throw numerical_error("non-finite membrane potential in population " + net_.populations[p].name +
                                          " (neuron " + std::to_string(i) + ") at t = " + std::to_string(time()) + " ms");
                }
            }
        }
    }
}

}  // namespace einet::engine
