#pragma once
// IEEE 754 binary16 ("half") bit patterns, portable scalar conversions: double -> half rounds to
// nearest, ties to even, once (no detour through float); half -> float is exact. The rate engine's
// float16 weight storage (model.weight_storage) keeps its weight copies in this format; its vector
// loads use F16C (vcvtph2ps), which gives the same floats as half_to_float.
#include <cmath>
#include <cstdint>
#include <cstring>

namespace einet {

// Largest finite binary16 value, and the smallest normal one (below it the spacing is 2^-24).
inline constexpr double half_max = 65504.0;
inline constexpr double half_min_normal = 0x1p-14;

inline std::uint16_t half_from_double(double x) {
    const std::uint16_t sign = std::signbit(x) ? 0x8000 : 0;
    const double a = std::fabs(x);
    if (std::isnan(x)) return static_cast<std::uint16_t>(sign | 0x7e00);
    if (a >= 65520.0) return static_cast<std::uint16_t>(sign | 0x7c00);  // the tie 65504 + 16 rounds (to even) up
    if (a < half_min_normal) {  // subnormal: m·2^-24; m = 1024 is the smallest normal's encoding
        return static_cast<std::uint16_t>(sign | static_cast<std::uint16_t>(std::nearbyint(a * 0x1p24)));
    }
    int e = 0;
    const double m = std::frexp(a, &e);                   // a = m·2^e, m in [0.5, 1)
    double f = std::nearbyint((2.0 * m - 1.0) * 1024.0);  // 10-bit fraction (exact product, ties to even)
    int exponent = e - 1;
    if (f == 1024.0) f = 0.0, ++exponent;
    return static_cast<std::uint16_t>(sign | ((exponent + 15) << 10) | static_cast<std::uint16_t>(f));
}

inline float half_to_float(std::uint16_t h) {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff;
    if (e == 0) {  // zero or subnormal: m·2^-24, exact in float
        const float v = std::ldexp(static_cast<float>(m), -24);
        return sign ? -v : v;
    }
    const std::uint32_t bits = e == 31 ? (sign | 0x7f800000u | (m << 13)) : (sign | ((e + 112) << 23) | (m << 13));
    float v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
}

}  // namespace einet
