#!/usr/bin/env bash
# install-deps.sh - install the Debian packages Silta builds, tests and runs with.
#   ops/install-deps.sh          install what is missing (idempotent; needs root or sudo)
#   ops/install-deps.sh --check  exit 0 when everything is there, 1 otherwise (installs nothing)
#   ops/install-deps.sh --fuzz   the extra packages of `make fuzz` (clang, libFuzzer)
set -euo pipefail

PACKAGES=(
    build-essential pkg-config
    libzmq3-dev libsodium-dev
    libprotobuf-c-dev protobuf-c-compiler
    libpq-dev postgresql postgresql-contrib
    libxml2-dev libxml2-utils
    libmicrohttpd-dev
    libcriterion-dev
    valgrind
)

# `make fuzz` only: clang and its libFuzzer runtime.
if [ "${1:-}" = "--fuzz" ]; then
    PACKAGES=(clang libclang-rt-14-dev)
    shift
fi

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing+=("$p")
    fi
done

if [ "${1:-}" = "--check" ]; then
    [ ${#missing[@]} -eq 0 ] && exit 0
    echo "missing packages: ${missing[*]}" >&2
    exit 1
fi

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all packages present"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
