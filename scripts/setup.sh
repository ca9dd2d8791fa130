#!/usr/bin/env bash
# Set up what selfeval needs to run (or to be tested) on this machine.
#
#   scripts/setup.sh            runtime: .venv + requirements/base.txt + shared system packages
#   scripts/setup.sh test       tests:   .venv + requirements/dev.txt  + shared and test packages
#   scripts/setup.sh lint       tooling: .venv + requirements/dev.txt  (no system packages)
#
# Idempotent, and quick the second time: pip runs only when the lock file's hash differs
# from the stamp left in .venv by the last successful install; apt runs only when
# dpkg-query reports a package missing. Called by the Makefile; safe to call directly.
#
# Environment: PYTHON=/path/to/python3.11 picks the interpreter used to create .venv.
# Browsers are never downloaded: Playwright drives Debian's /usr/bin/chromium.
set -euo pipefail

variant="${1:-base}"
case "$variant" in
    base | test | lint) ;;
    *)
        echo "usage: $0 [base|test|lint]" >&2
        exit 2
        ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

venv="${VENV:-.venv}"
# LibreOffice converts uploaded .doc/.xls/.wps/.et files (projects/imports/convert.py).
shared_pkgs=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk
    libreoffice-writer-nogui libreoffice-calc-nogui)
test_pkgs=(chromium poppler-utils)

say() { printf 'setup: %s\n' "$*"; }
die() {
    printf 'setup: ERROR: %s\n' "$*" >&2
    exit 1
}

# --- system packages --------------------------------------------------------------------

missing_pkgs() { # prints the packages of "$@" that are not installed
    local p status
    for p in "$@"; do
        status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)"
        [[ "$status" == ii* ]] || printf '%s\n' "$p"
    done
}

# ensure_pkgs LABEL PKG...: install what is missing when we can, else print the command.
ensure_pkgs() {
    local label="$1"
    shift
    if ! command -v dpkg-query >/dev/null 2>&1; then
        say "not a Debian-like system: make sure these ($label) are installed: $*"
        return 0
    fi
    local -a missing
    mapfile -t missing < <(missing_pkgs "$@")
    if ((${#missing[@]} == 0)); then
        return 0
    fi
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        say "installing $label system packages: ${missing[*]}"
        local log t0=$SECONDS
        log="$(mktemp -t selfeval-apt.XXXXXX)"
        export DEBIAN_FRONTEND=noninteractive
        if ! {
            apt-get -o DPkg::Lock::Timeout=300 update -q \
                && apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}"
        } >"$log" 2>&1; then
            tail -n 40 "$log" >&2
            die "apt-get failed for: ${missing[*]} (full log: $log)"
        fi
        rm -f "$log"
        say "installed ${missing[*]} in $((SECONDS - t0)) s"
        mapfile -t missing < <(missing_pkgs "$@")
        ((${#missing[@]} == 0)) || die "still missing after apt-get install: ${missing[*]}"
    else
        say "WARNING: missing $label system packages; install them with:"
        echo "    sudo apt-get install -y --no-install-recommends ${missing[*]}"
        if [[ "$label" == shared ]]; then
            say "(continuing: PDF export needs them; Chinese PDFs are slow without libharfbuzz-subset0;"
            say " importing .doc/.xls/.wps/.et needs LibreOffice)"
        else
            say "(continuing: browser and PDF-text tests will fail or skip without them)"
        fi
    fi
}

# --- Python ------------------------------------------------------------------------------

py_ok() { # py_ok INTERPRETER: is it Python >= 3.11 with venv + ensurepip?
    "$1" -c 'import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
        >/dev/null 2>&1
}

pick_python() {
    local c
    if [[ -n "${PYTHON:-}" ]]; then
        py_ok "$PYTHON" || die "PYTHON=$PYTHON is not Python >= 3.11 with the venv module"
        echo "$PYTHON"
        return
    fi
    # 3.11 first: the lock files are resolved for Python 3.11 on linux x86_64.
    for c in python3.11 /usr/bin/python3.11 python3.12 python3.13 python3.14 python3; do
        if command -v "$c" >/dev/null 2>&1 && py_ok "$c"; then
            command -v "$c"
            return
        fi
    done
    die "no Python >= 3.11 with the venv module found (tried python3.11 ... python3).
       On Debian/Ubuntu: sudo apt-get install python3 python3-venv   (or set PYTHON=/path/to/python3.11)"
}

ensure_venv() {
    if [[ -x "$venv/bin/python" ]] && py_ok "$venv/bin/python"; then
        return 0
    fi
    local py
    py="$(pick_python)"
    [[ -e "$venv" ]] && say "recreating $venv (missing, broken or older than Python 3.11)"
    rm -rf "$venv"
    say "creating $venv with $py ($("$py" -c 'import platform; print(platform.python_version())'))"
    "$py" -m venv "$venv"
    "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] == (3, 11))' \
        && say "note: the lock files are resolved for Python 3.11; this venv uses $("$venv/bin/python" -V)"
    return 0
}

# Runs pip; drops the noise about this machine's local index mirrors.
quiet_pip() {
    local -a st
    set +e
    "$venv/bin/python" -m pip "$@" 2>&1 | grep -v -e 'is ignored: it is neither a file nor a directory'
    st=("${PIPESTATUS[@]}")
    set -e
    return "${st[0]}"
}

ensure_deps() { # ensure_deps LOCKFILE
    local lock="$1" name stamp key
    [[ -f "$lock" ]] || die "$lock not found (run: make lock)"
    name="$(basename "$lock" .txt)"
    stamp="$venv/.selfeval-$name.stamp"
    key="$(sha256sum "$lock" | cut -d' ' -f1) $("$venv/bin/python" -c 'import sys; print(sys.version.split()[0])')"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$key" ]]; then
        return 0
    fi
    say "installing Python packages from $lock (hash-checked)"
    export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 # never fetch browsers; tests use /usr/bin/chromium
    quiet_pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r "$lock" \
        || die "pip install -r $lock failed"
    quiet_pip check >/dev/null || {
        quiet_pip check || true
        die "pip check found broken requirements after installing $lock"
    }
    printf '%s\n' "$key" >"$stamp"
}

# --- main --------------------------------------------------------------------------------

start=$SECONDS
case "$variant" in
    base)
        ensure_pkgs shared "${shared_pkgs[@]}"
        ensure_venv
        ensure_deps requirements/base.txt
        ;;
    test)
        ensure_pkgs shared "${shared_pkgs[@]}"
        ensure_pkgs test "${test_pkgs[@]}"
        ensure_venv
        ensure_deps requirements/dev.txt
        [[ -x /usr/bin/chromium ]] || say "WARNING: /usr/bin/chromium not found; browser tests cannot run"
        ;;
    lint)
        ensure_venv
        ensure_deps requirements/dev.txt
        ;;
esac
if ((SECONDS - start > 2)); then
    say "done ($variant) in $((SECONDS - start)) s"
fi
