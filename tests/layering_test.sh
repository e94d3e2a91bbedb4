#!/usr/bin/env bash
# Keeps the folders layered (STYLE.md, base/CMakeLists.txt):
#   1. no file under server/, bindings/ or base/ includes the core's private headers:
#      core/internal/..., core/compact.h or core/base64url.h (splitting and decoding tokens is
#      the core's job; the rest of the core is its public API);
#   2. base/ includes nothing of ours outside base/ (core and server depend on base, never the
#      other way round).
# Reads the source tree as text; builds nothing. Build and dependency folders (build/,
# node_modules/, dot-folders) are not ours and are skipped.
# Usage: layering_test.sh SOURCE_DIR | layering_test.sh --self-test
set -euo pipefail

# includes DIR PATTERN prints "file:line:text" for each #include in DIR matching PATTERN.
includes() {
  [ -e "$1" ] || return 0
  grep -rnE --include='*.h' --include='*.cc' --include='*.hpp' --include='*.cpp' \
    --include='*.c' --exclude-dir=build --exclude-dir=node_modules --exclude-dir='.*' \
    "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($2)" "$1" || true
}

check() {
  local root=$1 private='core/internal/|core/compact\.h|core/base64url\.h' status=0 found
  cd "$root"
  local scanned
  scanned=$(find server bindings base -name node_modules -prune -o -name build -prune -o \
    -name '.*' -prune -o -type f \( -name '*.h' -o -name '*.cc' \) -print 2>/dev/null | wc -l)
  if [ "$scanned" = 0 ]; then
    echo "FAIL: no source file under server/, bindings/ or base/ in $root (check is blind)" >&2
    return 1
  fi
  for dir in server bindings base; do
    while IFS= read -r hit; do
      [ -n "$hit" ] || continue
      echo "FAIL: $hit (core-private header outside core/)" >&2
      status=1
    done <<<"$(includes "$dir" "$private")"
  done
  found=$(includes base 'core/|server/|bindings/')
  if [ -n "$found" ]; then
    echo "FAIL: base/ includes the folders that depend on it:" >&2
    echo "$found" >&2
    status=1
  fi
  [ "$status" = 0 ] && echo "ok: layering holds ($scanned files under server/, bindings/, base/)"
  return "$status"
}

# self_test builds small trees with one violation each (and one without) and expects check to
# tell them apart, so a broken pattern cannot pass silently.
self_test() {
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  make_tree() {  # make_tree NAME FILE LINE: a tree whose FILE holds LINE, beside a clean base/
    mkdir -p "$tmp/$1/base" "$tmp/$1/$(dirname "$2")"
    echo '#include "base/str_cat.h"' > "$tmp/$1/base/ok.h"
    echo "$3" > "$tmp/$1/$2"
  }
  make_tree clean server/a.cc '#include "core/validator.h"'
  make_tree internal server/a.cc '#include "core/internal/jwk.h"'
  make_tree compact bindings/common/a.h '  #  include "core/compact.h"'
  make_tree base64url base/a.cc '#include "core/base64url.h"'
  make_tree base_on_core base/a.h '#include "core/error.h"'
  make_tree base_on_server base/a.h '#include <server/http/message.h>'
  make_tree skipped bindings/node/node_modules/x/a.cc '#include "core/internal/jwk.h"'
  make_tree token_check server/serve/token_check.cc '#include "core/compact.h"'
  for tree in clean skipped; do
    (check "$tmp/$tree" > /dev/null) || { echo "FAIL: self-test: $tree was refused" >&2; return 1; }
  done
  for tree in internal compact base64url base_on_core base_on_server token_check; do
    if (check "$tmp/$tree" > /dev/null 2>&1); then
      echo "FAIL: self-test: $tree was accepted" >&2
      return 1
    fi
  done
  echo "ok: the layering check refuses each kind of violation"
}

if [ "${1:-}" = --self-test ]; then
  self_test
else
  check "${1:?usage: layering_test.sh SOURCE_DIR | --self-test}"
fi
