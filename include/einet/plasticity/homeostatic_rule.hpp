#pragma once
// The homeostatic rule family of paper 001 as data: one table of terms per weight class, and one
// generic update routine (apply_rule) for every member.
//
//   ΔW_ij = Σ_terms  c · rate · F_j · ε_i           for the class post X <- pre Y
//
//   c      signed coefficient (+1 homeostatic sign, −1 anti-homeostatic, any number)
//   rate   the class's learning rate α_XY, or β_XY (the homeostatic term of the two-term rule)
//   F_j    presynaptic factor: the presynaptic rate r_j (001 Methods Eqs. 6–8), the weight W_ij
//          itself (synaptic scaling, 001 SI Eq. 12), or 1
//   ε_i    set-point error: "post" = X_set − r_i of the postsynaptic unit (homeostatic),
//          "cross" = mean of (Y'_set − r_k) over the units of the opposite-sign population
//          (cross-homeostatic, 001 Methods Eq. 7, SI Eq. 10), or a per-unit cross error given by
//          the caller (the local sensors of the spiking model, 001 SI Eq. 17)
//
// Weights live either in a dense batched matrix (rate models) or in a spiking synapse table
// (only existing synapses change, 001 SI Eq. 16); both go through the same term evaluation.
//
// A class may instead relax toward its set-point-plane value (forced balance, 001 SI Eq. 15).
// Named members: homeostatic, cross_homeostatic, two_term, synaptic_scaling, forced_balance and
// the 16 H/A sign variants ("HHHH" … "AAAA", letters in class order EE, EI, IE, II; 001 Fig. S2).
// Custom members are written in TOML as term strings, e.g. EE = ["+alpha*pre*post", "+beta*pre*cross"].
#include <array>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "einet/network/connectivity.hpp"

namespace einet::plasticity {

enum class error_source { post, cross };
enum class presynaptic_factor { rate, weight, one };
enum class rate_symbol { alpha, beta };

struct term {
    double coefficient = 1.0;
    rate_symbol rate = rate_symbol::alpha;
    presynaptic_factor factor = presynaptic_factor::rate;
    error_source error = error_source::post;
};

struct class_rule {
    std::vector<term> terms;
    bool relax_to_setpoint_plane = false;  // forced balance: ΔW = rate · (W_up − W)
};

// Classes in the fixed order EE, EI, IE, II (post letter, then pre letter).
inline constexpr std::array<const char*, 4> class_names = {"EE", "EI", "IE", "II"};

struct rule {
    std::string name;
    std::array<class_rule, 4> classes;
};

// Every named member of the family, for `einet list` and validation messages.
std::vector<std::string> named_rules();
// Throws config_error (with `key` in the message) for an unknown name.
rule named_rule(const std::string& name, const std::string& key = "plasticity.rule");

// Parses "+alpha*pre*post", "-0.5*beta*w*cross", "+alpha*cross" (factor 1). Returns an error
// message in `why` (and false) when the text is not a term.
bool parse_term(const std::string& text, term& out, std::string& why);
std::string to_string(const term& t);

// Everything the generic update needs, as views into batched arrays (batch index innermost).
struct population_view {
    std::size_t n = 1;
    bool excitatory = true;
    double setpoint = 0.0;           // Hz
    const double* factor_rates = nullptr;  // [unit][b], the presynaptic factors F_j
    const double* error_rates = nullptr;   // [unit][b], the rates inside the errors ε
    // [unit][b]: this population's own cross error ε_cross(i) per unit (e.g. I_set − mean rate
    // of the I units presynaptic to E unit i, 001 SI Eq. 17); nullptr: the population mean of
    // the opposite population's errors (SI Eq. 10).
    const double* cross_errors = nullptr;
};

struct projection_view {
    std::size_t post = 0, pre = 0;
    std::size_t class_index = 0;     // into rule::classes
    double* weights = nullptr;       // [(i * n_pre + j) * batch + b]; or, with `synapses`:
    // Sparse storage (batch 1): the pattern of a synapse table and its weights in table order
    // (e.g. spiking_engine::weights), changed in place.
    const network::synapse_table* synapses = nullptr;
    float* synapse_weights = nullptr;
    double alpha = 0.0, beta = 0.0;
    double floor = 0.0;              // W ← min(max(W, floor), ceiling) after the update
    double ceiling = std::numeric_limits<double>::infinity();
    bool self_connections = true;    // false: diagonal reset to 0 after the update
    const double* setpoint_plane_target = nullptr;  // [b], for relax_to_setpoint_plane classes
};

// Applies one update of `r` to networks [b0, b1) of a batch of `batch` networks. All ΔW are
// computed from the old weights before any is added (001 spec §1.4).
void apply_rule(const rule& r, const std::vector<population_view>& pops, std::vector<projection_view>& projs,
                std::size_t batch, std::size_t b0, std::size_t b1, std::vector<double>& scratch);

}  // namespace einet::plasticity
