// The homeostatic rule family as data (include/einet/plasticity/homeostatic_rule.hpp): term
// tables of the named members against 001 Methods Eqs. 6-8 / SI Eqs. 9, 12, 15, term parsing,
// and apply_rule against the spec formulas.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "einet/core/error.hpp"
#include "einet/plasticity/homeostatic_rule.hpp"

using namespace einet::plasticity;

namespace {

// Class order EE, EI, IE, II. Homeostatic (Eq. 6): + for E-presynaptic, − for I-presynaptic.
// Cross (Eq. 7): EE +, EI −, IE −, II +.
constexpr std::array<double, 4> homeo = {+1, -1, +1, -1};
constexpr std::array<double, 4> cross = {+1, -1, -1, +1};

void expect_term(const term& t, double c, rate_symbol r, presynaptic_factor f, error_source e, const std::string& what) {
    EXPECT_EQ(t.coefficient, c) << what;
    EXPECT_EQ(t.rate, r) << what;
    EXPECT_EQ(t.factor, f) << what;
    EXPECT_EQ(t.error, e) << what;
}

}  // namespace

TEST(rule_family, named_members_match_the_spec_tables) {
    const auto h = named_rule("homeostatic"), x = named_rule("cross_homeostatic"), two = named_rule("two_term"),
               sc = named_rule("synaptic_scaling");
    for (std::size_t c = 0; c < 4; ++c) {
        const std::string cls = class_names[c];
        ASSERT_EQ(h.classes[c].terms.size(), 1u);
        expect_term(h.classes[c].terms[0], homeo[c], rate_symbol::alpha, presynaptic_factor::rate, error_source::post, "homeo " + cls);
        ASSERT_EQ(x.classes[c].terms.size(), 1u);
        expect_term(x.classes[c].terms[0], cross[c], rate_symbol::alpha, presynaptic_factor::rate, error_source::cross, "cross " + cls);
        ASSERT_EQ(two.classes[c].terms.size(), 2u);  // SI Eq. 9: α cross term + β homeostatic term
        expect_term(two.classes[c].terms[0], cross[c], rate_symbol::alpha, presynaptic_factor::rate, error_source::cross, "two " + cls);
        expect_term(two.classes[c].terms[1], homeo[c], rate_symbol::beta, presynaptic_factor::rate, error_source::post, "two " + cls);
        ASSERT_EQ(sc.classes[c].terms.size(), 1u);  // SI Eq. 12: the weight itself is the factor
        expect_term(sc.classes[c].terms[0], homeo[c], rate_symbol::alpha, presynaptic_factor::weight, error_source::post, "scaling " + cls);
        EXPECT_FALSE(h.classes[c].relax_to_setpoint_plane || x.classes[c].relax_to_setpoint_plane ||
                     two.classes[c].relax_to_setpoint_plane || sc.classes[c].relax_to_setpoint_plane);
    }
    // Forced balance (SI Eq. 15, notebook sign for IE): EE, IE learn; EI, II relax to the plane.
    const auto fb = named_rule("forced_balance");
    ASSERT_EQ(fb.classes[0].terms.size(), 1u);
    expect_term(fb.classes[0].terms[0], +1, rate_symbol::alpha, presynaptic_factor::rate, error_source::post, "fb EE");
    ASSERT_EQ(fb.classes[2].terms.size(), 1u);
    expect_term(fb.classes[2].terms[0], -1, rate_symbol::alpha, presynaptic_factor::rate, error_source::post, "fb IE");
    EXPECT_TRUE(fb.classes[1].relax_to_setpoint_plane && fb.classes[1].terms.empty());
    EXPECT_TRUE(fb.classes[3].relax_to_setpoint_plane && fb.classes[3].terms.empty());
    EXPECT_FALSE(fb.classes[0].relax_to_setpoint_plane || fb.classes[2].relax_to_setpoint_plane);
}

TEST(rule_family, sixteen_sign_variants) {
    int variants = 0;
    for (const auto& name : named_rules()) {
        if (name.size() != 4 || name.find_first_not_of("HA") != std::string::npos) continue;
        ++variants;
        const auto r = named_rule(name);
        for (std::size_t c = 0; c < 4; ++c) {
            ASSERT_EQ(r.classes[c].terms.size(), 1u);
            const double sign = name[c] == 'H' ? homeo[c] : -homeo[c];
            expect_term(r.classes[c].terms[0], sign, rate_symbol::alpha, presynaptic_factor::rate, error_source::post, name);
        }
    }
    EXPECT_EQ(variants, 16);
    // HAAA (spec §2.4): ΔW_EE = +α E ε_E, ΔW_EI = +α I ε_E, ΔW_IE = −α E ε_I, ΔW_II = +α I ε_I.
    const auto haaa = named_rule("HAAA");
    EXPECT_EQ(haaa.classes[0].terms[0].coefficient, +1.0);
    EXPECT_EQ(haaa.classes[1].terms[0].coefficient, +1.0);
    EXPECT_EQ(haaa.classes[2].terms[0].coefficient, -1.0);
    EXPECT_EQ(haaa.classes[3].terms[0].coefficient, +1.0);
    EXPECT_THROW(named_rule("hebbian"), einet::config_error);
    EXPECT_THROW(named_rule("HAAX"), einet::config_error);
    try {
        named_rule("hebbian", "my.key");
    } catch (const einet::config_error& e) {
        EXPECT_NE(std::string(e.what()).find("my.key: expected one of"), std::string::npos) << e.what();
    }
}

TEST(rule_family, terms_parse_and_print_round_trip) {
    struct parsed {
        std::string text;
        term want;
    };
    const std::vector<parsed> cases = {
        {"+alpha*pre*post", {1.0, rate_symbol::alpha, presynaptic_factor::rate, error_source::post}},
        {"-beta*pre*cross", {-1.0, rate_symbol::beta, presynaptic_factor::rate, error_source::cross}},
        {"-0.5*beta*w*cross", {-0.5, rate_symbol::beta, presynaptic_factor::weight, error_source::cross}},
        {"+alpha*cross", {1.0, rate_symbol::alpha, presynaptic_factor::one, error_source::cross}},
        {" + 2 * alpha * w * post ", {2.0, rate_symbol::alpha, presynaptic_factor::weight, error_source::post}},
        {"+1e-3*beta*pre*post", {1e-3, rate_symbol::beta, presynaptic_factor::rate, error_source::post}},
    };
    for (const auto& c : cases) {
        term t;
        std::string why;
        ASSERT_TRUE(parse_term(c.text, t, why)) << c.text << ": " << why;
        expect_term(t, c.want.coefficient, c.want.rate, c.want.factor, c.want.error, c.text);
        term back;
        ASSERT_TRUE(parse_term(to_string(t), back, why)) << to_string(t);
        expect_term(back, t.coefficient, t.rate, t.factor, t.error, "round trip of " + c.text);
        EXPECT_EQ(to_string(back), to_string(t));
    }
    EXPECT_EQ(to_string(cases[0].want), "+alpha*pre*post");
    EXPECT_EQ(to_string(cases[2].want), "-0.5*beta*w*cross");
    for (const char* bad : {"", "+alpha*pre", "+alpha*pre*bogus", "+alpha**post", "+nan*alpha*post"}) {
        term t;
        std::string why;
        EXPECT_FALSE(parse_term(bad, t, why)) << bad;
        EXPECT_FALSE(why.empty()) << bad;
    }
}
