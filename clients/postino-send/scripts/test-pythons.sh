#!/usr/bin/env bash
# The bulk sender's tests on every Python an institution is likely to have, each in its own
# virtualenv holding nothing but the package, its declared dependencies and pytest: this is
# what proves the package installs and runs on that Python without the app's requirements.
#
# Usage, from the repository root: `make postino-send-pythons` (`make pytest` runs it too),
# or bash clients/postino-send/scripts/test-pythons.sh
# A Python that is not on this machine is skipped with a message, never a failure.
# Each virtualenv (.venv-postino-send-3.X) is reused until pyproject.toml or the test pins
# change (a stamp file holds their hash). Left to `make pytest` (in .venv, on 3.13): the
# end-to-end tests, which need the app's stack, and the fresh-install test, which builds the
# same pure-Python wheel whatever the Python (the install here checks requires-python).
set -euo pipefail

PACKAGE=clients/postino-send
# 3.10 too: what the shipped domain rules take from 3.11 is in shared/domain/compat.py, and on
# 3.10 the package pins python-ulid 4.0.1 and adds tomli (see pyproject.toml).
SUPPORTED=(3.10 3.11 3.12 3.13)
PYENV_ROOT="${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}"
FRESH_INSTALL_TEST=test_installs_into_a_fresh_virtualenv_and_validates_offline
TEST_PINS=$(grep -E '^(pytest|pytest-timeout)==' requirements-dev.txt)

find_python() {  # the newest pyenv 3.X.Y, else python3.X on the PATH; nothing when absent
    local version=$1 found
    found=$(ls -d "$PYENV_ROOT/versions/$version".* 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -n $found && -x $found/bin/python ]]; then
        echo "$found/bin/python"
    elif command -v "python$version" >/dev/null; then
        command -v "python$version"
    fi
}

stamp_of() {  # what the virtualenv was built from
    { "$1" -VV; cat "$PACKAGE/pyproject.toml"; echo "$TEST_PINS"; } | sha256sum | cut -d' ' -f1
}

failed=()
for version in "${SUPPORTED[@]}"; do
    python=$(find_python "$version")
    if [[ -z $python ]]; then
        echo "postino-send on Python $version: skipped, no python$version on this machine"
        continue
    fi
    venv=".venv-postino-send-$version"
    stamp=$(stamp_of "$python")
    if [[ ! -f $venv/.installed || $(cat "$venv/.installed") != "$stamp" ]]; then
        echo "postino-send on Python $version: installing into $venv"
        rm -rf "$venv"
        "$python" -m venv "$venv"
        echo '*' >"$venv/.gitignore"  # as 3.13's venv writes it: git status stays clean
        # shellcheck disable=SC2086  # one pin per word
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
            -e "$PACKAGE" $TEST_PINS
        echo "$stamp" >"$venv/.installed"
    fi
    echo "postino-send on Python $version ($("$venv/bin/python" -V)):"
    # --noconftest: the package's conftest loads the app's stack fixtures, for the e2e tests.
    if ! "$venv/bin/python" -m pytest -q -p no:cacheprovider --noconftest \
        --ignore="$PACKAGE/tests/test_campaign_e2e.py" \
        --deselect="$PACKAGE/tests/test_packaging.py::$FRESH_INSTALL_TEST" "$PACKAGE/tests"; then
        failed+=("$version")
    fi
done

if ((${#failed[@]})); then
    echo "postino-send: tests failed on Python ${failed[*]}"
    exit 1
fi
