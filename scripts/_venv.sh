# Sourced by scripts/start and scripts/test: create .venv with Python 3.11 and install the project.
PYTHON_BIN="${PYTHON:-}"
if [ -z "$PYTHON_BIN" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then PYTHON_BIN="$candidate"; break; fi
  done
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON_BIN" -m venv .venv
fi
# shellcheck disable=SC1091
source .venv/bin/activate
TARGET="."
if [ -n "${EXTRAS:-}" ]; then TARGET=".[${EXTRAS}]"; fi
python -m pip install --quiet --disable-pip-version-check -e "$TARGET"
