# Shared by scripts/serve and scripts/test: a virtual environment with the project installed.
# Sourced, not run, with what to install: "serve" (the project and what it needs to run) or
# "test" (that and the dev extra: pytest, Playwright, schemathesis, twine, uv...). Each has its
# own stamp, so serving never waits for the test tools; each re-installs only when
# pyproject.toml changes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
NEED="${1:?_setup.sh needs serve or test}"

find_python() {
    for candidate in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] < (3, 14)))'; then
            echo "$candidate"
            return
        fi
    done
    echo "Wheelhouse needs Python 3.11-3.13 (set PYTHON=/path/to/python)." >&2
    exit 1
}

if [ ! -x .venv/bin/python ]; then
    "$(find_python)" -m venv .venv
fi
WANT="$(sha256sum pyproject.toml | cut -d' ' -f1)"
SERVE_STAMP=".venv/.wheelhouse-serve"
TEST_STAMP=".venv/.wheelhouse-test"
current() { [ -f "$1" ] && [ "$(cat "$1")" = "$WANT" ]; }

if [ "$NEED" = test ]; then
    if ! current "$TEST_STAMP"; then
        echo "Installing Wheelhouse and its test tools into .venv/ ..." >&2
        .venv/bin/python -m pip install --quiet --upgrade pip
        .venv/bin/python -m pip install --quiet -e ".[dev]"
        echo "$WANT" > "$TEST_STAMP"
        echo "$WANT" > "$SERVE_STAMP"
    fi
elif ! current "$SERVE_STAMP" && ! current "$TEST_STAMP"; then
    echo "Installing Wheelhouse into .venv/ ..." >&2
    # Modules are compiled when first imported, not all at install (a third of its time).
    .venv/bin/python -m pip install --quiet --no-compile -e .
    echo "$WANT" > "$SERVE_STAMP"
fi
export PATH="$ROOT/.venv/bin:$PATH"
