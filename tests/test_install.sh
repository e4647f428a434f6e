#!/usr/bin/env bash
# `cmake --install` into a fresh prefix, then examples/evaluate.c and docs/c-api.md's C code
# block built with nothing but `pkg-config --cflags --libs tessera` and run: the installed
# header, library and pkg-config file are all a C program needs, and docs/c-api.md's example
# cannot drift from what builds.
#   test_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 root=$2
prefix=$(mktemp -d /tmp/tess-install-XXXXXX)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" > /dev/null
# the prefix was fixed at configure time: point the .pc at this one
sed -i "s|^prefix=.*|prefix=$prefix|" "$prefix/lib/pkgconfig/tessera.pc"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
flags=$(pkg-config --cflags --libs tessera)
cc -std=c11 -Wall -Wextra -Werror "$root/examples/evaluate.c" $flags -o "$prefix/evaluate"
cd "$root"
out=$("$prefix/evaluate")
echo "$out"
case $out in
  *iteration*) ;;
  *) echo "test_install: the example printed no iteration time" >&2; exit 1 ;;
esac
# (outputs captured whole: `grep -q` on a pipe would cut the writer short under pipefail)
libs=$(ldd "$prefix/evaluate")
grep -q "$prefix/lib/libtessera.so" <<< "$libs" || {
  echo "test_install: the example does not load the installed libtessera.so" >&2; exit 1; }
# docs/c-api.md's C block (the first ```c ... ``` fence), as it is written there
awk '/^```c$/ {on = 1; next} /^```$/ && on {exit} on' "$root/docs/c-api.md" > "$prefix/readme.c"
[ -s "$prefix/readme.c" ] || { echo "test_install: no C block in docs/c-api.md" >&2; exit 1; }
cc -std=c11 -Wall -Wextra -Werror "$prefix/readme.c" $flags -o "$prefix/readme"
readme_out=$("$prefix/readme")
grep -q '^iteration .* s$' <<< "$readme_out" || {
  echo "test_install: docs/c-api.md's example printed no iteration line" >&2; exit 1; }
