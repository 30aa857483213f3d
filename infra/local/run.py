"""`make run`: the emulators, provisioning, a demo service and citizen, a local receiver of
the demo service's status callbacks, and the Functions host.

Uses `func start` when Azure Functions Core Tools is installed, otherwise the project's
offline host. Runs in the foreground until Ctrl-C, then stops everything it started.
All data lives in memory: every run starts empty and seeds a fresh demo.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from infra.local.callback_receiver import DEFAULT_PORT as RECEIVER_PORT
from infra.local.callback_receiver import PORT_VARIABLE as RECEIVER_PORT_VARIABLE
from infra.local.callback_receiver import SECRET_VARIABLE as RECEIVER_SECRET_VARIABLE
from infra.local.emulators import (
    PROJECT_ROOT,
    EmulatorEndpoints,
    EmulatorStartError,
    default_endpoints,
    port_is_open,
    running_emulators_on_scratch_files,
)
from infra.local.host_process import (
    HostStartError,
    func_environment,
    host_command,
    stop_host,
    wait_for_host,
)
from infra.local.stack import LOCAL_SETTINGS, SAMPLE_SETTINGS, app_settings
from shared.adapters.provisioning import provision
from shared.adapters.secret_box import SecretBox
from shared.bootstrap import App, build_app
from shared.config import SettingName, Settings
from shared.domain.errors import ValidationError
from shared.domain.service import Tier
from shared.services.callback_admin import set_callback
from shared.services.onboarding import create_service, register_citizen

HOST_PORT = 7071
DEMO_FISCAL_CODE = "RSSMRA80A01H501U"
DEMO_SERVICE_ID = "demo-service"
DEMO_PAYMENT_CAP_CENTS = 1_000_000
LOG_DIR = PROJECT_ROOT / ".local" / "logs"


def _seed_demo(app: App) -> str:
    created = create_service(
        name="Demo service",
        organization_name="Comune di Esempio",
        organization_fiscal_code="01234567890",
        service_id=DEMO_SERVICE_ID,
        # Premium with a payment cap, so every kind of message can be tried locally.
        tier=Tier.PREMIUM,
        max_allowed_payment_amount=DEMO_PAYMENT_CAP_CENTS,
        services=app.services,
        api_keys=app.api_keys,
    )
    register_citizen(DEMO_FISCAL_CODE, profiles=app.profiles)
    return created.primary_key


def _demo_callback_secret(app: App, url: str) -> str | None:
    """Point the demo service's callback at `url`; its signing secret, or None when the
    settings do not allow a loopback callback."""
    try:
        change = set_callback(
            DEMO_SERVICE_ID,
            url,
            services=app.services,
            sealer=SecretBox.from_setting(app.settings.callback_secrets_key),
            clock=app.clock,
            allow_loopback_http=app.settings.callback_allow_loopback_http,
        )
    except ValidationError:
        return None
    return None if change.issued is None else change.issued.secret


@contextmanager
def demo_callback_receiver(app: App, port: int) -> Iterator[str | None]:
    """The local callback receiver on `port`, registered as the demo service's callback and
    given its secret, running until the block ends; yields its URL (None when it could not
    run: the port is taken, or the settings refuse a loopback callback)."""
    url = f"http://127.0.0.1:{port}/callbacks"
    if port_is_open(port):
        print(
            f"note: port {port} is in use, so no demo callback receiver runs "
            f"(set {RECEIVER_PORT_VARIABLE} to another port)",
            file=sys.stderr,
        )
        yield None
        return
    secret = _demo_callback_secret(app, url)
    if secret is None:
        print(
            f"note: {SettingName.CALLBACK_ALLOW_LOOPBACK_HTTP} is not true in the local "
            "settings, so no demo callback receiver runs",
            file=sys.stderr,
        )
        yield None
        return
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local.callback_receiver", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env={**os.environ, RECEIVER_SECRET_VARIABLE: secret},
    )
    try:
        yield url
    finally:
        stop_host(process)


def _receiver_port() -> int:
    text = os.environ.get(RECEIVER_PORT_VARIABLE, "").strip()
    return int(text) if text.isdigit() else RECEIVER_PORT


def _print_welcome(api_key: str, host: str, host_port: int, callback_url: str | None) -> None:
    base = f"http://127.0.0.1:{host_port}/api/v1/messages"
    citizens = f"http://127.0.0.1:{host_port}/api/v1/citizen"
    body = json.dumps(
        {
            "content": {
                "subject": "Your new identity card is ready",
                "markdown": (
                    "Dear citizen, your new **electronic identity card** is ready. "
                    "You can collect it at the registry office from Monday to Friday."
                ),
            }
        }
    )
    print(
        f"""
Postino is running on the local stack ({host}). The demo service is Premium and may send
payment notices up to 10,000 euro. Its key (shown once):

    {api_key}

Send a message to the demo citizen and read its status:

ID=$(curl -sS -X POST {base}/{DEMO_FISCAL_CODE} \\
  -H 'Ocp-Apim-Subscription-Key: {api_key}' -H 'Content-Type: application/json' \\
  -d '{body}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'); echo "$ID"

curl -sS {base}/{DEMO_FISCAL_CODE}/$ID -H 'Ocp-Apim-Subscription-Key: {api_key}'

(The status is ACCEPTED at first, and PROCESSED a second or two later: run it again.)

The citizen app's view of the inbox (internal API: the citizen back end's local token, the
citizen in a header, never in the URL):

curl -sS {citizens}/messages -H 'Authorization: Bearer local-citizen-backend-token' \
  -H 'Citizen-Fiscal-Code: {DEMO_FISCAL_CODE}'

{_callback_note(callback_url)}
Press Ctrl-C to stop everything.
""",
        flush=True,
    )


def _callback_note(url: str | None) -> str:
    if url is None:
        return ""
    return f"""The demo service's status events (processed, rejected, received, read, paid) are
POSTed, signed, to the local callback receiver at {url}: it prints one line
per event here, and whether its signature is valid (`service callback` in the CLI changes it).
"""


def stop_on_termination() -> None:
    """Make SIGTERM and SIGHUP (a `kill`, a closed terminal) stop everything as Ctrl-C does,
    instead of leaving the emulators and the host running."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupt)


def run(
    use_func: bool,
    *,
    endpoints: EmulatorEndpoints | None = None,
    host_port: int = HOST_PORT,
    receiver_port: int | None = None,
) -> int:
    """Start the emulators, provision, seed the demo, start the callback receiver, run the
    host until interrupted; then stop everything it started."""
    if port_is_open(host_port):
        print(f"error: port {host_port} is in use; stop what listens there", file=sys.stderr)
        return 1
    if not LOCAL_SETTINGS.exists():
        # Core Tools reads local.settings.json; it is git-ignored, so start from the sample.
        shutil.copyfile(SAMPLE_SETTINGS, LOCAL_SETTINGS)
    with running_emulators_on_scratch_files(
        endpoints or default_endpoints(), log_dir=LOG_DIR
    ) as running:
        values = app_settings(running)
        settings = Settings.from_env(values)
        provision(settings)
        app = build_app(settings)
        api_key = _seed_demo(app)
        with demo_callback_receiver(app, receiver_port or _receiver_port()) as callback_url:
            env: Mapping[str, str] = {**os.environ, **values}
            if use_func:
                # So the worker runs this virtualenv's Python, which has the dependencies.
                env = func_environment(env)
            host = "func start" if use_func else "offline host"
            process = subprocess.Popen(
                host_command(host_port, use_func=use_func), cwd=PROJECT_ROOT, env=dict(env)
            )
            try:
                wait_for_host(process, host_port, environ=env)
                _print_welcome(api_key, host, host_port, callback_url)
                process.wait()
            except KeyboardInterrupt:
                pass
            finally:
                stop_host(process)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--offline-host",
        action="store_true",
        help="use the project's offline host even when Core Tools (func) is installed",
    )
    args = parser.parse_args()
    use_func = shutil.which("func") is not None and not args.offline_host
    stop_on_termination()
    try:
        return run(use_func)
    except KeyboardInterrupt:
        return 0  # interrupted while starting: everything started is stopped
    except (EmulatorStartError, HostStartError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
