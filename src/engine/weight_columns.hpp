#pragma once
// Storage of the unit-major kernel's weight matrices: the type S a weight is kept in and the
// vector load that turns VB bytes' worth of lanes of T back into a vector of T.
//  S = T (float or double): a plain vector load, as before.
//  S = std::uint16_t with T = float (model.weight_storage = "float16"): binary16 bit patterns,
//  widened with F16C vcvtph2ps (AVX-512: 16 lanes at once), or lane by lane where the CPU lacks
//  F16C; both give exactly half_to_float of every lane.
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#if defined(__F16C__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "einet/core/error.hpp"
#include "einet/core/half.hpp"

namespace einet::engine {

// One weight (sign folded in) in storage type S; binary16 refuses values it cannot hold.
template <class S, class T>
S store_weight(double w) {
    if constexpr (std::is_same_v<S, T>) {
        return static_cast<T>(w);
    } else {
        static_assert(std::is_same_v<S, std::uint16_t> && std::is_same_v<T, float>);
        if (!(std::fabs(w) <= half_max)) {
            throw numerical_error("model.weight_storage = \"float16\": weight " + std::to_string(w) +
                                  " is outside the binary16 range (|w| <= 65504); use weight_storage = \"float32\"");
        }
        return half_from_double(w);
    }
}

// Lanes [0, sizeof(vT)/sizeof(T)) of a weight column starting at p (aligned for S = T).
template <class vT, class T, class S>
vT load_columns(const S* p) {
    if constexpr (std::is_same_v<S, T>) {
        return *reinterpret_cast<const vT*>(p);
    } else {
        constexpr std::size_t lanes = sizeof(vT) / sizeof(float);
        vT v;
#if defined(__AVX512F__)
        if constexpr (lanes == 16) {
            // maskz with every lane set: the plain intrinsic's undefined pass-through trips GCC 12's
            // -Wmaybe-uninitialized; same instruction, same result.
            const __m512 x = _mm512_maskz_cvtph_ps(__mmask16(0xffff), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
            std::memcpy(&v, &x, sizeof v);
            return v;
        }
#endif
#if defined(__F16C__)
        if constexpr (lanes % 8 == 0) {
            for (std::size_t h = 0; h < lanes; h += 8) {
                const __m256 x = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + h)));
                std::memcpy(reinterpret_cast<float*>(&v) + h, &x, sizeof x);
            }
            return v;
        }
#endif
        for (std::size_t l = 0; l < lanes; ++l) v[l] = half_to_float(p[l]);
        return v;
    }
}

}  // namespace einet::engine
