"""With Core Tools installed, `make run` starts `func start` so that the Python worker runs
the project's virtualenv, which has the dependencies, even from a shell where the
virtualenv is not activated."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from infra.local.emulators import PROJECT_ROOT, free_port
from infra.local.host_process import PYTHON_WORKER_EXECUTABLE_SETTINGS, func_environment

RUN_TIMEOUT_SECONDS = 120.0
VENV_BIN = Path(sys.executable).parent

LAUNCH = """
import sys
from infra.local import run
from infra.local.emulators import EmulatorEndpoints
blob, queue, cosmos, host, receiver = (int(arg) for arg in sys.argv[1:])
sys.exit(
    run.run(
        True,
        endpoints=EmulatorEndpoints(blob, queue, cosmos),
        host_port=host,
        receiver_port=receiver,
    )
)
"""

# A stand-in for Core Tools: records its environment, answers the host status request
# `make run` waits for, then exits as if stopped.
FAKE_FUNC = """#!{python}
import http.server, json, os, sys
with open(os.environ["FAKE_FUNC_RECORD"], "w") as record:
    json.dump({{"argv": sys.argv[1:], "environ": dict(os.environ)}}, record)

class Status(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{{}}")

port = int(sys.argv[sys.argv.index("--port") + 1])
with http.server.HTTPServer(("127.0.0.1", port), Status) as server:
    server.handle_request()
"""


def path_without_the_virtualenv() -> str:
    entries = os.environ.get("PATH", os.defpath).split(os.pathsep)
    return os.pathsep.join(entry for entry in entries if entry and Path(entry) != VENV_BIN)


def test_func_environment_puts_the_interpreter_first_and_names_it_to_core_tools(
    tmp_path: Path,
) -> None:
    # GIVEN a virtualenv's interpreter, and an environment whose PATH lists it late
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    python = str(venv / "bin" / "python")
    environ = {"PATH": f"/usr/bin{os.pathsep}{venv / 'bin'}", "PYTHONHOME": "/elsewhere"}
    # WHEN the environment for `func start` is made
    env = func_environment(environ, python)
    # THEN the virtualenv comes first on PATH, once, and is the worker's interpreter
    assert env["PATH"].split(os.pathsep) == [str(venv / "bin"), "/usr/bin"]
    assert env["VIRTUAL_ENV"] == str(venv)
    assert "PYTHONHOME" not in env
    assert [env[name] for name in PYTHON_WORKER_EXECUTABLE_SETTINGS] == [python, python]
    assert environ["PATH"] == f"/usr/bin{os.pathsep}{venv / 'bin'}"  # the input is untouched


def test_make_run_starts_func_with_the_virtualenv_python(tmp_path: Path) -> None:
    # GIVEN a fake `func` on a PATH that lacks the virtualenv, as in a shell without it
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    func = bin_dir / "func"
    func.write_text(FAKE_FUNC.format(python=sys.executable))
    func.chmod(0o755)
    record = tmp_path / "func-environment.json"
    environ = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{path_without_the_virtualenv()}",
        "FAKE_FUNC_RECORD": str(record),
    }
    environ.pop("VIRTUAL_ENV", None)
    for name in PYTHON_WORKER_EXECUTABLE_SETTINGS:
        environ.pop(name, None)
    ports = [free_port() for _ in range(5)]
    # WHEN `make run`'s runner starts with Core Tools, from the virtualenv's Python
    done = subprocess.run(
        [sys.executable, "-c", LAUNCH, *map(str, ports)],
        cwd=PROJECT_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )
    # THEN it ran `func start`, whose `python3` and worker interpreter are the virtualenv's
    assert done.returncode == 0, done.stdout + done.stderr
    seen = json.loads(record.read_text())
    assert seen["argv"] == ["start", "--port", str(ports[3])]
    func_env = seen["environ"]
    assert func_env["PATH"].split(os.pathsep)[0] == str(VENV_BIN)
    assert shutil.which("python3", path=func_env["PATH"]) == str(VENV_BIN / "python3")
    assert func_env["VIRTUAL_ENV"] == str(VENV_BIN.parent)
    for name in PYTHON_WORKER_EXECUTABLE_SETTINGS:
        assert func_env[name] == sys.executable
