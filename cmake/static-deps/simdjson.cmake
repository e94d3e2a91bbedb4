# simdjson as a static archive: Debian ships only libsimdjson.so. Threads on as in Debian's
# build: SIMDJSON_THREADS_ENABLED is part of the library's interface.
set(BUILD_SHARED_LIBS OFF CACHE BOOL "")
set(CMAKE_POSITION_INDEPENDENT_CODE ON CACHE BOOL "")  # linked into shared modules
set(CMAKE_BUILD_TYPE Release CACHE STRING "")
set(CMAKE_CXX_FLAGS_RELEASE "-O2 -DNDEBUG" CACHE STRING "")
set(SIMDJSON_ENABLE_THREADS ON CACHE BOOL "")
set(SIMDJSON_DEVELOPER_MODE OFF CACHE BOOL "")  # the library alone: no tests, tools, benchmarks
