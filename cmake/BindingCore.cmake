# Included by the bindings' CMake projects (bindings/python, bindings/node): defines the
# target tokenwarden_binding_common a binding links (the shared glue, the core, BoringSSL),
# one of two ways:
#   - the environment variable TW_BINDINGS_CORE_DIR names a build directory of this
#     repository whose tokenwarden_binding_common is built (scripts/test points it at
#     build/release after building that target): its archives are linked as they are, so a
#     test run compiles the core once per configuration rather than again in each binding.
#     The environment, not a cache variable, so a later build without it falls back.
#   - unset (a user's `pip install` / `npm install`): the core is built from source here.
# Either way abseil and simdjson are linked from static archives (cmake/StaticDeps.cmake): a
# binding's module must load on machines without them (wheels, npm prebuilds).
get_filename_component(_tw_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
# Found here, before the core's own find_package calls (which then reuse these targets), so
# that the targets StaticDeps.cmake repoints are the ones every part of the module links.
find_package(absl REQUIRED)
find_package(simdjson REQUIRED)
include("${_tw_root}/cmake/StaticDeps.cmake")
if(NOT "$ENV{TW_BINDINGS_CORE_DIR}" STREQUAL "")
  set(_tw_targets "$ENV{TW_BINDINGS_CORE_DIR}/tokenwarden-bindings-targets.cmake")
  if(NOT EXISTS "${_tw_targets}")
    message(FATAL_ERROR " TW_BINDINGS_CORE_DIR=$ENV{TW_BINDINGS_CORE_DIR} holds no "
                        "tokenwarden-bindings-targets.cmake: configure and build it first "
                        "(cmake --preset release && cmake --build --preset release --target "
                        "tokenwarden_binding_common), or unset it to build the core here")
  endif()
  # What the imported targets refer to by name (abseil and simdjson: found above).
  include("${_tw_root}/cmake/BoringSSL.cmake")
  include("${_tw_targets}")
  add_library(tokenwarden_binding_common INTERFACE)
  target_link_libraries(tokenwarden_binding_common INTERFACE tw_prebuilt::tokenwarden_binding_common)
  message(STATUS "tokenwarden: linking the core built in $ENV{TW_BINDINGS_CORE_DIR}")
else()
  # The core and the shared binding glue, without the server, tests or benchmarks.
  set(TW_BUILD_SERVER OFF CACHE BOOL "" FORCE)
  set(TW_BUILD_TESTS OFF CACHE BOOL "" FORCE)
  set(TW_BUILD_BENCH OFF CACHE BOOL "" FORCE)
  add_subdirectory("${_tw_root}" tokenwarden EXCLUDE_FROM_ALL)
endif()
