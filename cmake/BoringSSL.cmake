# Defines tokenwarden::boringssl (libssl + libcrypto), the static BoringSSL that
# scripts/build-boringssl keeps in $TW_CACHE. The path is derived from the same inputs as the
# script's (package version + recipe hash), so changing the recipe points at a fresh build.
# No OpenSSL: these archives are the only libcrypto/libssl we link, and /usr/include/openssl
# is never on our include path (BoringSSL's headers come first and are the only ones).
if(DEFINED ENV{TW_CACHE})
  set(_tw_cache "$ENV{TW_CACHE}")
else()
  set(_tw_cache "/var/cache/tokenwarden")
endif()
file(READ "${CMAKE_CURRENT_LIST_DIR}/boringssl/VERSION" _bssl_version)
string(STRIP "${_bssl_version}" _bssl_version)
file(READ "${CMAKE_CURRENT_LIST_DIR}/boringssl/CMakeLists.txt" _bssl_recipe)
file(READ "${CMAKE_CURRENT_LIST_DIR}/boringssl/VERSION" _bssl_version_raw)
string(SHA256 _bssl_hash "${_bssl_recipe}${_bssl_version_raw}")
string(SUBSTRING "${_bssl_hash}" 0 12 _bssl_hash)
# The recipe is read, not included: CMake must be told that a change to it means reconfiguring.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             "${CMAKE_CURRENT_LIST_DIR}/boringssl/CMakeLists.txt"
             "${CMAKE_CURRENT_LIST_DIR}/boringssl/VERSION")
set(_bssl_derived "${_tw_cache}/boringssl/${_bssl_version}-${_bssl_hash}")
# A build tree keeps cache entries across configures, so a plain CACHE default would keep the
# prefix of the recipe the tree was first configured with, and go on linking that older build
# after the recipe (its flags, say) changed. A path of the derived shape is therefore
# re-derived on every configure; any other path (-DTW_BORINGSSL_ROOT=...) is kept.
if(NOT TW_BORINGSSL_ROOT OR TW_BORINGSSL_ROOT MATCHES "/boringssl/[^/]+-[0-9a-f]+$")
  set(TW_BORINGSSL_ROOT "${_bssl_derived}"
      CACHE PATH "BoringSSL install prefix (from scripts/build-boringssl)" FORCE)
endif()

if(NOT EXISTS "${TW_BORINGSSL_ROOT}/.complete")
  message(FATAL_ERROR "BoringSSL not found at ${TW_BORINGSSL_ROOT}: run scripts/bootstrap")
endif()

add_library(tokenwarden_boringssl_crypto STATIC IMPORTED GLOBAL)
set_target_properties(tokenwarden_boringssl_crypto PROPERTIES
  IMPORTED_LOCATION "${TW_BORINGSSL_ROOT}/lib/libcrypto.a"
  INTERFACE_INCLUDE_DIRECTORIES "${TW_BORINGSSL_ROOT}/include")
find_package(Threads REQUIRED)
target_link_libraries(tokenwarden_boringssl_crypto INTERFACE Threads::Threads)

add_library(tokenwarden_boringssl_ssl STATIC IMPORTED GLOBAL)
set_target_properties(tokenwarden_boringssl_ssl PROPERTIES
  IMPORTED_LOCATION "${TW_BORINGSSL_ROOT}/lib/libssl.a"
  INTERFACE_INCLUDE_DIRECTORIES "${TW_BORINGSSL_ROOT}/include")
target_link_libraries(tokenwarden_boringssl_ssl INTERFACE tokenwarden_boringssl_crypto)

add_library(tokenwarden_boringssl INTERFACE)
target_link_libraries(tokenwarden_boringssl INTERFACE tokenwarden_boringssl_ssl)
add_library(tokenwarden::boringssl ALIAS tokenwarden_boringssl)
