#!/usr/bin/env bash
# install-deps.sh - install the Debian packages Silta builds, tests and runs with.
#   ops/install-deps.sh          install what is missing (idempotent; needs root or sudo)
#   ops/install-deps.sh --check  exit 0 when everything is there, 1 otherwise (installs nothing)
#   ops/install-deps.sh --fuzz   the extra packages of `make fuzz` (clang, libFuzzer)
#   ops/install-deps.sh --bench  the extra packages of `make bench`'s comparison (rabbitmq-server,
#                                librabbitmq-dev); with --check after it: exit 0 when they are there
#   ops/install-deps.sh --promtool  only promtool (below); needs no root
# Also (not with --fuzz), Prometheus's promtool for the metrics and alert-rule tests: the
# Debian package `prometheus` is ~96 MB installed and starts a service, so it is never
# installed; `apt-get download` + `dpkg -x` unpack it into build/tools/prometheus and
# build/tools/promtool links its promtool (no root, nothing started).
# Also (not with --fuzz), from the lock files via `npm ci` when missing:
# tests/browser/node_modules (playwright-core; it drives Debian's chromium, no browser
# download) and tests/fhir/node_modules (fhir-kit-client, the FHIR client of test_health_fhir).
set -euo pipefail

PACKAGES=(
    build-essential pkg-config
    libzmq3-dev libsodium-dev
    libprotobuf-c-dev protobuf-c-compiler
    libpq-dev postgresql postgresql-contrib
    libxml2-dev libxml2-utils
    libmicrohttpd-dev
    libjansson-dev tzdata
    libsystemd-dev
    libcriterion-dev
    valgrind
    chromium
    gettext locales
)
# The inbox's languages (casestore/web/web_i18n.c selects them per request).
LOCALES=(fi_FI.UTF-8 sv_FI.UTF-8)
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
BROWSER_DIR=$REPO/tests/browser
FHIR_DIR=$REPO/tests/fhir
NODE_DEPS=yes
BENCH=no
PROMTOOL=yes
TOOLS_DIR=$REPO/build/tools

# promtool from the Debian package, unpacked, never installed (idempotent; offline is not
# fatal: the tests that need it say so).
s_promtool() {
    [ $PROMTOOL = yes ] || return 0
    [ -x "$TOOLS_DIR/promtool" ] && return 0
    local tmp deb
    tmp=$(mktemp -d)
    if (cd "$tmp" && apt-get download prometheus >/dev/null 2>&1) &&
        deb=$(ls "$tmp"/prometheus_*.deb 2>/dev/null) && [ -n "$deb" ]; then
        mkdir -p "$TOOLS_DIR"
        rm -rf "$TOOLS_DIR/prometheus"
        dpkg -x "$deb" "$TOOLS_DIR/prometheus"
        ln -sfn prometheus/usr/bin/promtool "$TOOLS_DIR/promtool"
        echo "install-deps: promtool in $TOOLS_DIR/promtool ($("$TOOLS_DIR/promtool" --version 2>&1 | head -1))"
    else
        echo "install-deps: could not download the Debian package prometheus (offline? no apt" \
            "sources?); the metrics tests need promtool: run ops/install-deps.sh --promtool later" >&2
    fi
    rm -rf "$tmp"
}

if [ "${1:-}" = "--promtool" ]; then
    s_promtool
    [ -x "$TOOLS_DIR/promtool" ]
    exit
fi

# `make fuzz` only: clang and its libFuzzer runtime.
if [ "${1:-}" = "--fuzz" ]; then
    PACKAGES=(clang libclang-rt-14-dev)
    LOCALES=()
    NODE_DEPS=no
    PROMTOOL=no
    shift
fi

# `make bench` only: the broker it compares Silta with, and the C client library for it.
# Never in the default install (CI): they are big, and the server package starts a service.
if [ "${1:-}" = "--bench" ]; then
    PACKAGES=(rabbitmq-server librabbitmq-dev)
    LOCALES=()
    NODE_DEPS=no
    PROMTOOL=no
    BENCH=yes
    shift
fi

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing+=("$p")
    fi
done

# A locale is there when `locale -a` lists it (as fi_FI.utf8).
locales_missing=()
for l in "${LOCALES[@]}"; do
    locale -a 2>/dev/null | grep -qix "${l%.UTF-8}.utf8" || locales_missing+=("$l")
done

node_missing=no
browser_missing=no
fhir_missing=no
if [ $NODE_DEPS = yes ] && [ -f "$BROWSER_DIR/package-lock.json" ] &&
    [ ! -d "$BROWSER_DIR/node_modules/playwright-core" ]; then
    browser_missing=yes
    node_missing=yes
fi
if [ $NODE_DEPS = yes ] && [ -f "$FHIR_DIR/package-lock.json" ] &&
    [ ! -d "$FHIR_DIR/node_modules/fhir-kit-client" ]; then
    fhir_missing=yes
    node_missing=yes
fi

if [ "${1:-}" = "--check" ]; then
    [ ${#missing[@]} -eq 0 ] && [ ${#locales_missing[@]} -eq 0 ] && [ $node_missing = no ] &&
        { [ $PROMTOOL = no ] || [ -x "$TOOLS_DIR/promtool" ]; } && exit 0
    [ ${#missing[@]} -eq 0 ] || echo "missing packages: ${missing[*]}" >&2
    [ ${#locales_missing[@]} -eq 0 ] || echo "missing locales: ${locales_missing[*]}" >&2
    [ $browser_missing = no ] || echo "missing: $BROWSER_DIR/node_modules (npm ci)" >&2
    [ $fhir_missing = no ] || echo "missing: $FHIR_DIR/node_modules (npm ci)" >&2
    [ $PROMTOOL = no ] || [ -x "$TOOLS_DIR/promtool" ] ||
        echo "missing: $TOOLS_DIR/promtool (ops/install-deps.sh --promtool)" >&2
    exit 1
fi

# The node modules of the browser and FHIR-client tests, from their lock files
# (idempotent: only when missing).
s_node_deps() {
    [ $node_missing = yes ] || return 0
    if ! command -v npm >/dev/null 2>&1; then
        echo "install-deps: npm not found; the browser and FHIR-client tests need Node.js and npm" >&2
        return 0
    fi
    # Offline (no registry) is not fatal: the build goes on, the test says why it fails.
    if [ $browser_missing = yes ]; then
        echo "install-deps: npm ci --prefix tests/browser"
        PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$BROWSER_DIR" --no-audit --no-fund ||
            echo "install-deps: npm ci failed (offline?); the browser tests cannot run" >&2
    fi
    if [ $fhir_missing = yes ]; then
        echo "install-deps: npm ci --prefix tests/fhir"
        npm ci --prefix "$FHIR_DIR" --no-audit --no-fund ||
            echo "install-deps: npm ci failed (offline?); the FHIR-client test cannot run" >&2
    fi
}

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

# Uncomment the inbox's locales in /etc/locale.gen and generate them (idempotent).
s_locales() {
    [ ${#locales_missing[@]} -gt 0 ] || return 0
    local l
    for l in "${locales_missing[@]}"; do
        echo "install-deps: generating locale $l"
        $SUDO sed -i -E "s/^# *(${l//./\\.} UTF-8)$/\\1/" /etc/locale.gen
        grep -qx "$l UTF-8" /etc/locale.gen || echo "$l UTF-8" | $SUDO tee -a /etc/locale.gen >/dev/null
    done
    $SUDO locale-gen
}

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all packages present"
    s_locales
    s_node_deps
    s_promtool
    exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq

# rabbitmq-server's postinst starts the system service. bench/run starts its own broker in a
# folder of its own, so the system one is not wanted; in a container without an init it would
# fail the install. A policy-rc.d that denies every start (exit 101, the Debian convention)
# keeps invoke-rc.d from starting it; ours is removed afterwards, a site's own is left alone.
POLICY_RC=/usr/sbin/policy-rc.d
policy_ours=no
if [ $BENCH = yes ] && [ ! -e $POLICY_RC ]; then
    printf '#!/bin/sh\n# install-deps.sh --bench: no service starts during the install\nexit 101\n' |
        $SUDO tee $POLICY_RC >/dev/null
    $SUDO chmod 0755 $POLICY_RC
    policy_ours=yes
fi
s_policy_remove() { [ $policy_ours = no ] || $SUDO rm -f $POLICY_RC; }
trap s_policy_remove EXIT
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
s_policy_remove
trap - EXIT
if [ $BENCH = yes ]; then
    # Where an init started it anyway (a site's policy-rc.d allowed it), stop it: the bench's
    # broker uses its own port, but the system one would only take memory from the figures.
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet rabbitmq-server 2>/dev/null; then
        echo "install-deps: stopping the system rabbitmq-server (bench/run starts its own)"
        $SUDO systemctl stop rabbitmq-server || true
        $SUDO systemctl disable rabbitmq-server >/dev/null 2>&1 || true
    elif [ -x /etc/init.d/rabbitmq-server ] && $SUDO /etc/init.d/rabbitmq-server status >/dev/null 2>&1; then
        echo "install-deps: stopping the system rabbitmq-server (bench/run starts its own)"
        $SUDO /etc/init.d/rabbitmq-server stop || true
    fi
    exit 0
fi
s_locales
s_node_deps
s_promtool
