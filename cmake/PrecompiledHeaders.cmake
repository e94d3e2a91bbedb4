# Precompiled headers: the standard and abseil headers that most sources include, compiled
# once per target instead of once per source (and GoogleTest's for the test executables).
# Parsing them was a third to a half of a source's compile time under the sanitizer presets.
#
# They are applied to every C++ library and executable of ours after the tree is defined,
# except the targets that exist to compile headers on their own (a PCH would hide a missing
# #include there). clang-tidy checks the product sources without them (scripts/test), so a
# source that forgets an #include still fails there.
# Off by default under clang (the fuzz presets): clang's PCH is passed as
# `-Xclang -include-pch -Xclang /absolute/path`, which ccache does not make relative, so every
# source of every target missed the cache in a clone at another place (the fuzz stage's
# warm build was a cold one). Without it a clang build is a little slower cold and all hits
# warm; GCC's `-include` form is rewritten and hits.
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  set(_tw_pch_default OFF)
else()
  set(_tw_pch_default ON)
endif()
option(TW_PCH "Precompile the common standard, abseil and GoogleTest headers" ${_tw_pch_default})

set(_tw_pch_common <algorithm> <cstddef> <cstdint> <memory> <optional> <string> <string_view>
    <utility> <vector> <absl/status/status.h> <absl/status/statusor.h>)

function(_tw_pch_targets dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    _tw_pch_targets(${sub} more)
    list(APPEND targets ${more})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

# _tw_usage_definitions(PROPERTY TARGET OUT): the compile definitions TARGET gets from what
# it links (PROPERTY: LINK_LIBRARIES for the target itself, INTERFACE_LINK_LIBRARIES for what
# it passes on), transitively: simdjson's SIMDJSON_THREADS_ENABLED, say. GCC refuses a PCH
# built without a macro the source is compiled with (-Winvalid-pch, an error under -Werror).
# $<LINK_ONLY:...> entries (a static library's private dependencies) pass nothing on.
function(_tw_usage_definitions property target out)
  # Memoized per target: the link graph shares most of its nodes, and walking it afresh from
  # every target took minutes of configure time.
  get_property(known GLOBAL PROPERTY _tw_usage_${property}_${target} SET)
  if(known)
    get_property(defs GLOBAL PROPERTY _tw_usage_${property}_${target})
    set(${out} "${defs}" PARENT_SCOPE)
    return()
  endif()
  set(defs "")
  get_target_property(libs ${target} ${property})
  foreach(lib IN LISTS libs)
    if(NOT TARGET "${lib}")
      continue()
    endif()
    get_target_property(own ${lib} INTERFACE_COMPILE_DEFINITIONS)
    if(own)
      list(APPEND defs ${own})
    endif()
    _tw_usage_definitions(INTERFACE_LINK_LIBRARIES ${lib} more)
    list(APPEND defs ${more})
  endforeach()
  list(REMOVE_DUPLICATES defs)
  list(SORT defs)
  set_property(GLOBAL PROPERTY _tw_usage_${property}_${target} "${defs}")
  set(${out} "${defs}" PARENT_SCOPE)
endfunction()

# _tw_pch_group_key(TARGET TYPE HEADERS OUT): a short digest of what a PCH depends on.
function(_tw_pch_group_key target type headers out)
  get_target_property(dir ${target} SOURCE_DIR)
  set(parts "${headers}")
  if(type STREQUAL "EXECUTABLE")
    list(APPEND parts pie)
  else()
    list(APPEND parts pic)
  endif()
  foreach(property COMPILE_OPTIONS COMPILE_DEFINITIONS)
    get_property(value DIRECTORY ${dir} PROPERTY ${property})
    list(APPEND parts "dir:${value}")
    get_target_property(value ${target} ${property})
    list(APPEND parts "target:${value}")
  endforeach()
  _tw_usage_definitions(LINK_LIBRARIES ${target} usage)
  list(APPEND parts "usage:${usage}")
  string(MD5 digest "${parts}")
  set(${out} ${digest} PARENT_SCOPE)
endfunction()

# tw_precompile_headers(EXCLUDE target...): call once, at the end of the top-level list file.
function(tw_precompile_headers)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "" "EXCLUDE")
  if(NOT TW_PCH)
    return()
  endif()
  _tw_pch_targets(${PROJECT_SOURCE_DIR} targets)
  foreach(target IN LISTS targets)
    get_target_property(type ${target} TYPE)
    get_target_property(imported ${target} IMPORTED)
    if(imported OR target IN_LIST arg_EXCLUDE OR
       NOT type MATCHES "^(STATIC_LIBRARY|SHARED_LIBRARY|MODULE_LIBRARY|EXECUTABLE)$")
      continue()
    endif()
    get_target_property(sources ${target} SOURCES)
    if(sources MATCHES "\\.c(;|$)")
      continue()  # C sources (llhttp): the headers are C++
    endif()
    list(FILTER sources INCLUDE REGEX "\\.cc$")
    list(LENGTH sources count)
    if(count LESS 3)
      continue()  # the PCH costs about as much as it saves a source or two
    endif()
    set(headers ${_tw_pch_common})
    get_target_property(libs ${target} LINK_LIBRARIES)
    if(libs MATCHES "GTest::")
      list(APPEND headers <gtest/gtest.h>)
    endif()
    # Targets whose compile flags agree share one PCH: each executable and library used to
    # compile its own (about 20 per preset at 30-50 s each, a fifth of a cold build). The
    # group key is everything that can make a PCH unusable for another target: PIC or PIE,
    # the headers, and the options and definitions (the directory's and the target's).
    _tw_pch_group_key(${target} "${type}" "${headers}" key)
    if(DEFINED _tw_pch_donor_${key})
      target_precompile_headers(${target} REUSE_FROM ${_tw_pch_donor_${key}})
    else()
      target_precompile_headers(${target} PRIVATE ${headers})
      set(_tw_pch_donor_${key} ${target})
    endif()
  endforeach()
endfunction()
