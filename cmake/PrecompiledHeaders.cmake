# Precompiled headers: the standard and abseil headers that most sources include, compiled
# once per target instead of once per source (and GoogleTest's for the test executables).
# Parsing them was a third to a half of a source's compile time under the sanitizer presets.
#
# They are applied to every C++ library and executable of ours after the tree is defined,
# except the targets that exist to compile headers on their own (a PCH would hide a missing
# #include there). clang-tidy checks the product sources without them (scripts/test), so a
# source that forgets an #include still fails there.
option(TW_PCH "Precompile the common standard, abseil and GoogleTest headers" ON)

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
    target_precompile_headers(${target} PRIVATE ${headers})
  endforeach()
endfunction()
