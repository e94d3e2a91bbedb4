# Applies TW_SANITIZE to everything we compile and link. BoringSSL, abseil, simdjson and libuv
# stay uninstrumented (prebuilt); ASan/UBSan/TSan handle that, MSan would not (see STYLE.md).
if(TW_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
elseif(TW_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(TW_SANITIZE STREQUAL "fuzzer")
  # libFuzzer's coverage instrumentation everywhere, ASan+UBSan as in the asan preset; the
  # fuzz targets add -fsanitize=fuzzer (libFuzzer's main) at their own link. clang's warnings
  # differ from gcc's: the gcc presets are the -Werror gate, so clang only warns here.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
  list(REMOVE_ITEM TW_WARNINGS -Werror)
elseif(TW_SANITIZE STREQUAL "fuzz-coverage")
  # The fuzz targets with clang's source-based coverage and no sanitizer: scripts/fuzz-coverage
  # replays each target's corpus through them and reports the lines it reaches (llvm-cov).
  add_compile_options(-fprofile-instr-generate -fcoverage-mapping)
  add_link_options(-fprofile-instr-generate)
  list(REMOVE_ITEM TW_WARNINGS -Werror)
elseif(NOT TW_SANITIZE STREQUAL "")
  message(FATAL_ERROR "TW_SANITIZE must be '', 'address', 'thread', 'fuzzer' or "
                      "'fuzz-coverage', not '${TW_SANITIZE}'")
endif()
