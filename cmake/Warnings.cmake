# TW_WARNINGS: BoringSSL's warning list, errors on our own code (never on third-party code).
set(TW_WARNINGS
    -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wimplicit-fallthrough
    -Wmissing-field-initializers -Wnon-virtual-dtor -Wvla)
# GCC 12 at -O3 reports -Wrestrict inside libstdc++'s own std::string::insert and operator+
# (GCC bug 105651, fixed in 13): the diagnostic is about the library's code, not ours, and
# it broke the release build on whichever test next built a string that way. Off for GCC 12.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND TW_WARNINGS -Wno-restrict)
endif()
