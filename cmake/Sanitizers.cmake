# Applies TW_SANITIZE to everything we compile and link. BoringSSL, abseil, simdjson and libuv
# stay uninstrumented (prebuilt); ASan/UBSan/TSan handle that, MSan would not (see STYLE.md).
if(TW_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
elseif(TW_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT TW_SANITIZE STREQUAL "")
  message(FATAL_ERROR "TW_SANITIZE must be '', 'address' or 'thread', not '${TW_SANITIZE}'")
endif()
