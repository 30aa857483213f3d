#!/usr/bin/env bash
# Prints the path of a Python of the version asked for (default 3.13), the one the app and
# its tools run on; exits 1 with what to install when this machine has none.
#
# Looked for, in order: $PYTHON when set, the newest pyenv 3.X.Y (a pyenv shim for a version
# that is not the global one fails to run, so the shim is not enough), python3.X on the PATH,
# then python3 when it is that version. Each candidate is run, not only found.
set -euo pipefail

version=${1:-3.13}
PYENV_ROOT="${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}"

is_wanted() {  # runs "$1" and checks its version
    [[ -n $1 ]] && "$1" -c "import sys; sys.exit(f'{sys.version_info[0]}.{sys.version_info[1]}' != '$version')" 2>/dev/null
}

candidates=()
[[ -n ${PYTHON:-} ]] && candidates+=("$PYTHON")
newest=$(ls -d "$PYENV_ROOT/versions/$version".* 2>/dev/null | sort -V | tail -n 1 || true)
[[ -n $newest ]] && candidates+=("$newest/bin/python$version")
for name in "python$version" python3; do
    found=$(command -v "$name" 2>/dev/null || true)
    [[ -n $found ]] && candidates+=("$found")
done

for candidate in "${candidates[@]}"; do
    if is_wanted "$candidate"; then
        echo "$candidate"
        exit 0
    fi
done
cat >&2 <<MESSAGE
Python $version is required and none was found on this machine.
Install it, then run the command again:
  - with pyenv:   pyenv install $version
  - on Debian/Ubuntu: apt install python$version python$version-venv (deadsnakes PPA on older releases)
  - on macOS:     brew install python@$version
or point PYTHON at one: make test PYTHON=/path/to/python$version
MESSAGE
exit 1
