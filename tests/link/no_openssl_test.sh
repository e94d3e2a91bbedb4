#!/usr/bin/env bash
# Proves the tokenwarden binary carries our static BoringSSL and nothing from OpenSSL:
#   1. no dynamic dependency on libssl / libcrypto;
#   2. BoringSSL-only symbols are linked in (ED25519_verify, RSA_verify_pss_mgf1);
#   3. no object of ours was compiled against /usr/include/openssl (ninja's dependency log).
# Usage: no_openssl_test.sh BINARY BUILD_DIR
set -euo pipefail
bin=$1 build=$2
fail() { echo "FAIL: $*" >&2; exit 1; }

deps=$(ldd "$bin" 2>&1 || true)
if grep -Eq 'lib(ssl|crypto)\.so' <<<"$deps"; then
  fail "dynamic OpenSSL dependency: $(grep -E 'lib(ssl|crypto)' <<<"$deps")"
fi
symbols=$(nm "$bin")
for sym in ED25519_verify RSA_verify_pss_mgf1 CRYPTO_memcmp; do
  grep -Eq " [TtWw] $sym\$" <<<"$symbols" || fail "BoringSSL symbol $sym is not linked in"
done
headers=$(ninja -C "$build" -t deps 2>/dev/null | grep -c '^ *\/usr\/include\/openssl\/' || true)
[ "$headers" = 0 ] || fail "$headers dependencies on /usr/include/openssl headers"
ours=$(ninja -C "$build" -t deps 2>/dev/null | grep -c '/boringssl/.*/include/openssl/' || true)
[ "$ours" -gt 0 ] || fail "the dependency log shows no BoringSSL header at all (check is blind)"
echo "ok: no OpenSSL in $bin (static BoringSSL, $(grep -c . <<<"$symbols") symbols checked)"
