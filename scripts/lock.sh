#!/usr/bin/env bash
# Regenerate the hash-locked requirement files from pyproject.toml (`make lock`).
#
#   requirements/base.txt   [project].dependencies
#   requirements/dev.txt    the same plus the `dev` extra, constrained to base.txt's pins
#
# Resolved with pip-compile (pip-tools, pinned below) on CPython 3.11, linux x86_64.
# Existing pins are kept where they still satisfy pyproject.toml; to move them on:
#   make lock LOCK_ARGS=--upgrade                      (everything)
#   make lock LOCK_ARGS="--upgrade-package django"     (one package)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# The lock tooling itself is pinned so that `make lock` behaves the same next month.
PIP_VERSION=26.3
PIP_TOOLS_VERSION=7.6.2
tools=".venv-lock"
read -r -a extra_args <<<"${LOCK_ARGS:-}"

die() {
    printf 'lock: ERROR: %s\n' "$*" >&2
    exit 1
}

[[ "$(uname -s)" == Linux && "$(uname -m)" == x86_64 ]] \
    || die "lock files are resolved on linux x86_64; this is $(uname -s) $(uname -m)"

py="${PYTHON:-}"
if [[ -z "$py" ]]; then
    for c in python3.11 /usr/bin/python3.11; do
        if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
            py="$(command -v "$c")"
            break
        fi
    done
fi
[[ -n "$py" ]] || die "python3.11 not found: the lock files are resolved for CPython 3.11 (set PYTHON=...)"
"$py" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
    || die "$py is not Python 3.11: the lock files are resolved for CPython 3.11"

filter() { grep -v -e 'is ignored: it is neither a file nor a directory' || true; }

stamp="$tools/.tools-$PIP_VERSION-$PIP_TOOLS_VERSION"
if [[ ! -f "$stamp" ]]; then
    echo "lock: creating $tools with pip-tools $PIP_TOOLS_VERSION"
    rm -rf "$tools"
    "$py" -m venv "$tools"
    "$tools/bin/python" -m pip install --quiet --disable-pip-version-check \
        "pip==$PIP_VERSION" "pip-tools==$PIP_TOOLS_VERSION" 2>&1 | filter
    [[ "${PIPESTATUS[0]}" == 0 ]] || die "could not install pip-tools"
    touch "$stamp"
fi

common=(--quiet --generate-hashes --allow-unsafe --strip-extras
    --no-emit-index-url --no-emit-find-links --no-emit-trusted-host)
mkdir -p requirements

echo "lock: resolving requirements/base.txt"
"$tools/bin/pip-compile" "${common[@]}" "${extra_args[@]}" \
    --output-file=requirements/base.txt pyproject.toml 2>&1 | filter
[[ "${PIPESTATUS[0]}" == 0 ]] || die "pip-compile failed for requirements/base.txt"

echo "lock: resolving requirements/dev.txt"
"$tools/bin/pip-compile" "${common[@]}" "${extra_args[@]}" --extra=dev \
    --constraint=requirements/base.txt \
    --output-file=requirements/dev.txt pyproject.toml 2>&1 | filter
[[ "${PIPESTATUS[0]}" == 0 ]] || die "pip-compile failed for requirements/dev.txt"

# Checks: Django must stay on the 5.2 LTS line; every runtime pin must be the same in dev.
for f in requirements/base.txt requirements/dev.txt; do
    grep -Eq '^django==5\.2\.[0-9]+ ' "$f" || die "$f does not pin Django 5.2.x: $(grep -E '^django==' "$f" || echo none)"
done
pins() { grep -E '^[A-Za-z0-9._-]+==' "$1" | cut -d' ' -f1 | sort; }
mismatch="$(comm -23 <(pins requirements/base.txt) <(pins requirements/dev.txt))"
[[ -z "$mismatch" ]] || die "runtime pins differ between base.txt and dev.txt: $mismatch"

echo "lock: $(grep -E '^django==' requirements/base.txt | cut -d' ' -f1);" \
    "$(pins requirements/base.txt | wc -l) runtime and $(pins requirements/dev.txt | wc -l) dev pins"
