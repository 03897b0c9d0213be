# Warnings and machine tuning shared by every einet target (through einet_options).
include(CheckCXXCompilerFlag)
add_library(einet_options INTERFACE)
target_compile_options(einet_options INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion>)

if(EINET_NATIVE)
  # -march=native only when the compiler accepts it for this machine; otherwise the portable
  # x86-64-v2 / generic default stays (CI and user machines build from source, so tuning for
  # the building host is safe).
  check_cxx_compiler_flag("-march=native" EINET_HAS_MARCH_NATIVE)
  if(EINET_HAS_MARCH_NATIVE)
    target_compile_options(einet_options INTERFACE -march=native)
  endif()
endif()
# Floating-point results must not depend on how a loop was split between threads: FMA
# contraction is allowed (the same instruction in scalar and vector code), fast-math is not;
# -fno-math-errno only lets sqrt vectorise (errno is never read).
target_compile_options(einet_options INTERFACE $<$<CXX_COMPILER_ID:GNU,Clang>:-fno-fast-math -fno-math-errno -ffp-contract=fast -fopenmp-simd>)
