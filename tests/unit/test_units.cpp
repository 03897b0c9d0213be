#include <gtest/gtest.h>

#include <cmath>

#include "einet/core/units.hpp"

using namespace einet::units;

TEST(units, parses_times_rates_and_prefixes) {
    EXPECT_DOUBLE_EQ(*to_unit(*parse_quantity("10 ms"), "ms"), 10.0);
    EXPECT_DOUBLE_EQ(*to_unit(*parse_quantity("2 s"), "ms"), 2000.0);
    EXPECT_DOUBLE_EQ(*to_unit(*parse_quantity("1e-3 s"), "ms"), 1.0);
    EXPECT_DOUBLE_EQ(*to_unit(*parse_quantity("5 Hz"), "Hz"), 5.0);
    EXPECT_DOUBLE_EQ(*to_unit(*parse_quantity("0.5 kHz"), "Hz"), 500.0);
    EXPECT_DOUBLE_EQ(*to_unit(*parse_quantity("100us"), "ms"), 0.1);
    EXPECT_NEAR(*to_unit(*parse_quantity("200 pF"), "nS*ms"), 200.0, 1e-12);  // pF = nS·ms
    EXPECT_NEAR(*to_unit(*parse_quantity("2 mV/ms"), "V/s"), 2.0, 1e-12);
}

TEST(units, fractional_exponents) {
    // σ = 10 s^-1/2 equals 10/sqrt(1000) ms^-1/2.
    EXPECT_NEAR(*to_unit(*parse_quantity("10 s^-1/2"), "ms^-1/2"), 10.0 / std::sqrt(1000.0), 1e-12);
    EXPECT_NEAR(*to_unit(*parse_quantity("10 Hz^0.5"), "s^-1/2"), 10.0, 1e-12);
}

TEST(units, wrong_dimension_is_refused) {
    EXPECT_FALSE(to_unit(*parse_quantity("20 mV"), "ms").has_value());
    EXPECT_FALSE(to_unit(*parse_quantity("5"), "Hz").has_value());  // a bare number is dimensionless
    EXPECT_EQ(describe(parse_quantity("20 mV")->dim), "voltage");
}

TEST(units, garbage_is_not_a_quantity) {
    std::string why;
    EXPECT_FALSE(parse_quantity("ten ms", &why).has_value());
    EXPECT_FALSE(parse_quantity("10 parsecs", &why).has_value());
    EXPECT_NE(why.find("unknown unit"), std::string::npos);
    EXPECT_FALSE(parse_quantity("nan ms", &why).has_value());
}

TEST(units, infinity_is_allowed) { EXPECT_TRUE(std::isinf(*to_unit(*parse_quantity("inf Hz"), "Hz"))); }
