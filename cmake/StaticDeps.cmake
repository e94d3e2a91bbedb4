# Included by cmake/BindingCore.cmake, after find_package(absl) and find_package(simdjson) in
# the same directory: points those imported targets at static, position-independent archives,
# so that a binding's module (a wheel's extension, an npm prebuild) needs no libabsl or
# libsimdjson on the machine that loads it. The core, the server and the tests keep linking
# Debian's shared libraries.
# Debian's own archives do not serve: simdjson has none, and abseil's are PIE, with local-exec
# TLS a shared module cannot hold. scripts/build-static-deps builds both from Debian's source
# packages (cmake/static-deps/VERSIONS: the versions of the installed headers, checked again
# here) into $TW_CACHE. The targets keep Debian's definitions, so their link dependencies
# and order are the libraries' own; only the file each one names changes.
# They remain SHARED IMPORTED in CMake's eyes, which would add their directories to the build
# tree's RPATH; a module that links only archives has no use for one.
set(CMAKE_SKIP_BUILD_RPATH ON)

if(DEFINED ENV{TW_CACHE})
  set(_tw_cache "$ENV{TW_CACHE}")
else()
  set(_tw_cache "/var/cache/tokenwarden")
endif()

# tw_static_deps_prefix sets `out` to where scripts/build-static-deps installs `name`, or
# stops the configure when it is not there (or is of another version than the headers).
function(tw_static_deps_prefix name header_version out)
  set(dir "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/static-deps")
  file(STRINGS "${dir}/VERSIONS" lines REGEX "^${name} ")
  string(REGEX REPLACE " +" ";" fields "${lines}")
  list(GET fields 2 version)
  file(READ "${dir}/${name}.cmake" recipe)
  # The same hash as scripts/build-static-deps's: the recipe, then the "name version" line.
  string(SHA256 hash "${recipe}${name} ${version}\n")
  string(SUBSTRING "${hash}" 0 12 hash)
  set(prefix "${_tw_cache}/static-deps/${name}-${version}-${hash}")
  if(NOT EXISTS "${prefix}/.complete")
    message(FATAL_ERROR " static ${name} not found at ${prefix}: run scripts/build-static-deps "
                        "(scripts/install-build-deps runs it)")
  endif()
  # Debian's version 20220623.1-1+deb12u2 is upstream 20220623.1 (the part before the last
  # "-"), which abseil's CMake package calls 20220623: the headers' version must lead it.
  string(REGEX REPLACE "-[^-]*$" "" upstream "${version}")
  string(REPLACE "." "\\." header_pattern "${header_version}")
  if(header_version STREQUAL "" OR NOT upstream MATCHES "^${header_pattern}(\\.|$)")
    message(FATAL_ERROR " the ${name} headers are ${header_version}, the static library "
                        "${upstream} (cmake/static-deps/VERSIONS): they must be one version")
  endif()
  set(${out} "${prefix}" PARENT_SCOPE)
endfunction()

# tw_use_static_archive points the SHARED IMPORTED `target` at `archive` in every
# configuration it was imported for.
function(tw_use_static_archive target archive)
  if(NOT EXISTS "${archive}")
    message(FATAL_ERROR " ${target}: no static archive ${archive}")
  endif()
  get_target_property(configs ${target} IMPORTED_CONFIGURATIONS)
  foreach(config IN LISTS configs)
    set_target_properties(${target} PROPERTIES IMPORTED_LOCATION_${config} "${archive}")
  endforeach()
  set_target_properties(${target} PROPERTIES IMPORTED_LOCATION "${archive}")
endfunction()

tw_static_deps_prefix(simdjson "${simdjson_VERSION}" _tw_simdjson)
tw_use_static_archive(simdjson::simdjson "${_tw_simdjson}/lib/libsimdjson.a")

tw_static_deps_prefix(abseil "${absl_VERSION}" _tw_abseil)
get_directory_property(_tw_imported IMPORTED_TARGETS)
foreach(_tw_target IN LISTS _tw_imported)
  get_target_property(_tw_type ${_tw_target} TYPE)
  if(_tw_target MATCHES "^absl::(.*)$" AND _tw_type STREQUAL "SHARED_LIBRARY")
    tw_use_static_archive(${_tw_target} "${_tw_abseil}/lib/libabsl_${CMAKE_MATCH_1}.a")
  endif()
endforeach()
