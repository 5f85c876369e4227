#!/usr/bin/env bash
# Regenerate the Python code that baseplate-thrift commits from its Thrift IDL files.
#
# Usage: tools/thrift-codegen.sh [OUTPUT_ROOT]
#
# OUTPUT_ROOT defaults to the repository root, i.e. the committed files are rewritten in place.
# tools/check_thrift_generated.py passes a temporary directory instead and compares the result
# with the committed files.
#
# The compiler is Debian's `thrift-compiler` package; it is installed with apt-get when no
# `thrift` executable is found (this needs root, or sudo). The generated code records the
# compiler version in its header, so regenerate with the same package version CI uses.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out_root="$(mkdir -p "${1:-$repo}" && cd "${1:-$repo}" && pwd)"

if ! command -v thrift >/dev/null 2>&1; then
    echo "thrift-codegen: no thrift compiler found; installing Debian's thrift-compiler" >&2
    sudo=""
    if [ "$(id -u)" != "0" ]; then
        sudo="sudo"
    fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq thrift-compiler >/dev/null
fi

# generate IDL_FILE PY_PACKAGE DEST_DIR
# Compiles IDL_FILE (whose IDL declares `namespace py PY_PACKAGE`) and replaces the Python
# modules in DEST_DIR with those of PY_PACKAGE. Only the package's own modules are kept: not
# the parent packages' __init__.py files (baseplate is a namespace package) nor the
# `*-remote` command-line scripts the compiler also writes.
generate() {
    local idl="$1" package="$2" dest="$3"
    local work
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' RETURN
    thrift -strict -gen py:slots -I "$repo/packages/thrift/src/baseplate/thrift" -out "$work" "$idl"
    local gen_dir="$work/${package//./\/}"
    if [ ! -f "$gen_dir/__init__.py" ]; then
        echo "thrift-codegen: $idl did not generate the Python package $package" >&2
        return 1
    fi
    mkdir -p "$dest"
    find "$dest" -maxdepth 1 -name '*.py' -delete
    cp "$gen_dir"/*.py "$dest"/
}

thrift_pkg="packages/thrift"
generate "$repo/$thrift_pkg/src/baseplate/thrift/baseplate.thrift" \
    baseplate.thrift "$out_root/$thrift_pkg/src/baseplate/thrift"
generate "$repo/$thrift_pkg/tests/testservice.thrift" \
    baseplate_thrift_testgen "$out_root/$thrift_pkg/tests/baseplate_thrift_testgen"
generate "$repo/examples/thrift_service/example.thrift" \
    examples.thrift_service.example_thrift "$out_root/examples/thrift_service/example_thrift"
edge_pkg="packages/edgecontext"
generate "$repo/$edge_pkg/src/baseplate/edgecontext/thrift/edgecontext.thrift" \
    baseplate.edgecontext.thrift "$out_root/$edge_pkg/src/baseplate/edgecontext/thrift"
generate "$repo/$edge_pkg/tests/edgecontext_testservice.thrift" \
    edgecontext_testgen "$out_root/$edge_pkg/tests/edgecontext_testgen"
events_pkg="packages/events"
generate "$repo/$events_pkg/src/baseplate/events/thrift/event.thrift" \
    baseplate.events.thrift "$out_root/$events_pkg/src/baseplate/events/thrift"
