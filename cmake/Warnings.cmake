# TW_WARNINGS: BoringSSL's warning list, errors on our own code (never on third-party code).
set(TW_WARNINGS
    -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wimplicit-fallthrough
    -Wmissing-field-initializers -Wnon-virtual-dtor -Wvla)
