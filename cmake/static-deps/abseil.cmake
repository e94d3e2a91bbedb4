# abseil's static archives as Debian's debian/rules builds them (C++17, which fixes the ABI
# with Debian's headers), but position-independent: Debian's libabsl_*.a are PIE, and some
# (libabsl_base.a, libabsl_cordz_functions.a) use local-exec TLS, which a shared module cannot
# contain ("relocation R_X86_64_TPOFF32 ... can not be used when making a shared object").
set(BUILD_SHARED_LIBS OFF CACHE BOOL "")
set(CMAKE_POSITION_INDEPENDENT_CODE ON CACHE BOOL "")
set(CMAKE_CXX_STANDARD 17 CACHE STRING "")
set(CMAKE_BUILD_TYPE Release CACHE STRING "")
set(CMAKE_CXX_FLAGS_RELEASE "-O2" CACHE STRING "")  # as Debian's build: no NDEBUG
set(BUILD_TESTING OFF CACHE BOOL "")
set(ABSL_BUILD_TESTING OFF CACHE BOOL "")
