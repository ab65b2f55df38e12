# Sourced by scripts/start and scripts/test: create .venv with Python 3.11 and install the project.
PYTHON_BIN="${PYTHON:-}"
if [ -z "$PYTHON_BIN" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then PYTHON_BIN="$candidate"; break; fi
  done
fi
FIRST_RUN=0
if [ ! -x .venv/bin/python ]; then
  FIRST_RUN=1
  echo "Creating a Python virtual environment in .venv ..."
  "$PYTHON_BIN" -m venv .venv
fi
# shellcheck disable=SC1091
source .venv/bin/activate
TARGET="."
if [ -n "${EXTRAS:-}" ]; then TARGET=".[${EXTRAS}]"; fi
if [ "$FIRST_RUN" = 1 ]; then
  echo "Installing factcheck and its packages (spaCy, scikit-learn...): the first time takes a few minutes."
  # One line per package, so the wait is visible; pip's errors still reach the terminal
  # and, with pipefail, stop the script.
  python -m pip install --disable-pip-version-check --progress-bar off -e "$TARGET" \
    | { grep --line-buffered -E '^(Collecting|Successfully)' || true; }
else
  echo "Checking installed packages..."
  python -m pip install --quiet --disable-pip-version-check -e "$TARGET"
fi
