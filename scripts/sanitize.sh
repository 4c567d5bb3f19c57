#!/usr/bin/env bash
# `make sanitize`: build the stapeling's noder (`backend/gebiedsregie/stapeling/_noder.c`)
# with AddressSanitizer and UndefinedBehaviorSanitizer, and run the pure analysis tests
# (no database) against that build. An out-of-bounds access, a use after free, undefined
# behaviour, or a leak of memory that _noder.c itself allocates fails the run.
#
# The normal in-place build is left alone: the sanitized one goes into a temporary copy of
# the package, first on PYTHONPATH (checked: it must be the module imported). Python is not
# built with ASan, so the runtimes are preloaded. LeakSanitizer keeps one caller per
# allocation (malloc_context_size=2) and suppresses leaks whose caller is Python, a package
# of the venv or a system library (they leak at exit by design), so that what _noder.c
# allocates with malloc/calloc/realloc is still checked.
# Hypothesis examples are capped at GEBIEDSREGIE_HYPOTHESIS_EXAMPLES (default 50).
#
# Usage: scripts/sanitize.sh [NODER_C]   (another copy of _noder.c, e.g. to try the check)
set -euo pipefail
src=${1:+$(realpath "$1")}
cd "$(dirname "$0")/.."
root=$PWD
src=${src:-$root/backend/gebiedsregie/stapeling/_noder.c}
py=$root/.venv/bin/python

asan=$(gcc -print-file-name=libasan.so)
ubsan=$(gcc -print-file-name=libubsan.so)
if [ ! -e "$asan" ] || [ ! -e "$ubsan" ]; then
  echo "sanitize: gcc's libasan/libubsan are missing (Debian: libasan8, libubsan1)" >&2
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gebiedsregie-sanitize.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
case $tmp in *python3* | *site-packages*)
  echo "sanitize: the temporary directory $tmp would match a leak suppression" >&2
  exit 1
  ;;
esac

# The package, with the sanitized noder in place of the normal one.
cp -R backend/gebiedsregie "$tmp/gebiedsregie"
find "$tmp/gebiedsregie" \( -name '*.so' -o -name __pycache__ \) -prune -exec rm -rf {} +
include=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
suffix=$("$py" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
so=$tmp/gebiedsregie/stapeling/_noder$suffix
echo "sanitize: building $src with -fsanitize=address,undefined"
gcc -shared -fPIC -std=gnu11 -pthread -Wall -I"$include" \
  -fsanitize=address,undefined -fno-sanitize-recover=undefined \
  -fno-omit-frame-pointer -g -O1 \
  "$src" -o "$so"

# Leaks are suppressed by the module of the allocation's caller (see above). Not a pattern
# of a directory such as /lib/x86_64-linux-gnu/: that would match libasan's malloc itself.
cat >"$tmp/lsan.supp" <<'SUPP'
# CPython, its standard library and the venv's packages: their paths hold these,
leak:python3
leak:site-packages
# and the system libraries they load.
leak:ld-linux
leak:libc.so
leak:libstdc++.so
leak:libgcc_s.so
leak:libcrypto.so
leak:libssl.so
leak:libffi.so
leak:libexpat.so
leak:libz.so
leak:libbz2.so
leak:liblzma.so
leak:libsqlite3.so
leak:libmpdec.so
leak:libuuid.so
SUPP

# Caps the examples of every Hypothesis test, and refuses tests that need the database.
cat >"$tmp/sanitize_plugin.py" <<'PLUGIN'
import os

import pytest
from hypothesis import settings

LIMIT = int(os.environ["GEBIEDSREGIE_HYPOTHESIS_EXAMPLES"])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "fresh_database" in getattr(item, "fixturenames", ()):
            raise pytest.UsageError(f"{item.nodeid} needs the database: not for sanitize")
        test = getattr(item, "obj", None)
        test = getattr(test, "__func__", test)
        own = getattr(test, "_hypothesis_internal_use_settings", None)
        if getattr(test, "is_hypothesis_test", False) and own is not None:
            test._hypothesis_internal_use_settings = settings(
                own, max_examples=min(own.max_examples, LIMIT), deadline=None
            )
PLUGIN

# Only the Python processes get the runtimes. Options from the environment come last and
# win (e.g. ASAN_OPTIONS=detect_leaks=0 where LeakSanitizer cannot run, as under ptrace).
asan_options=detect_leaks=1:malloc_context_size=2:abort_on_error=1:allow_user_segv_handler=0
lsan_options=suppressions=$tmp/lsan.supp:print_suppressions=0
ubsan_options=print_stacktrace=1:halt_on_error=1:abort_on_error=1
sanitized=(
  env
  "PYTHONPATH=$tmp${PYTHONPATH:+:$PYTHONPATH}"
  "LD_PRELOAD=$asan:$ubsan"
  "ASAN_OPTIONS=$asan_options${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
  "LSAN_OPTIONS=$lsan_options${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
  "UBSAN_OPTIONS=$ubsan_options${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
  "GEBIEDSREGIE_HYPOTHESIS_EXAMPLES=${GEBIEDSREGIE_HYPOTHESIS_EXAMPLES:-50}"
)

# The sanitized noder must be the one imported, not the editable install's.
imported=$("${sanitized[@]}" "$py" -c \
  'import gebiedsregie.stapeling._noder as noder; print(noder.__file__)')
echo "sanitize: gebiedsregie.stapeling._noder.__file__ = $imported"
if [ "$imported" != "$so" ]; then
  echo "sanitize: expected $so" >&2
  exit 1
fi

tests=(tests/stapeling/test_analysis.py tests/stapeling/test_snapping.py tests/stapeling/test_core.py)
# --capture=sys: a sanitizer's report on stderr is shown even when it aborts the run.
"${sanitized[@]}" "$root/.venv/bin/pytest" -p sanitize_plugin -p no:cacheprovider \
  --capture=sys -v "${tests[@]}"
