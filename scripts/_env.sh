# Sourced by scripts/start and scripts/test: a venv with the pinned packages, and Reflex's offline settings.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
  echo "==> creating the virtual environment in .venv"
  python3 -m venv "$VENV"
fi
# Install only when the requirement files changed since the last install.
want="$(cat "$@" | sha256sum | cut -d' ' -f1)"
stamp="$VENV/.installed-$(echo "$*" | tr ' /' '__')"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> installing Python packages ($*)"
  "$VENV/bin/pip" install -q --disable-pip-version-check --upgrade pip
  for f in "$@"; do "$VENV/bin/pip" install -q --disable-pip-version-check -r "$f"; done
  echo "$want" > "$stamp"
fi
export PATH="$VENV/bin:$PATH"
export REFLEX_USE_SYSTEM_BUN=1 REFLEX_TELEMETRY_ENABLED=false REFLEX_CHECK_LATEST_VERSION=false
