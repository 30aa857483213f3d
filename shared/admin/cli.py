"""The operator CLI: `python -m shared.admin COMMAND ...` (see --help).

Settings come from the environment; when COSMOS_ENDPOINT is not set they are read from
local.settings.json (or the committed sample), as the local host does.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shared.bootstrap import App, build_app
from shared.config import InvalidSettingError, MissingSettingError, SettingName, Settings
from shared.domain.errors import AlreadyExistsError, PostinoError, ValidationError
from shared.domain.service import Tier
from shared.services.onboarding import create_service, register_citizen

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXIT_USAGE = 2
EXIT_FAILED = 1


def _load_local_settings(path: Path | None) -> None:
    if path is None and os.environ.get(SettingName.COSMOS_ENDPOINT):
        return
    candidates = [path] if path else [PROJECT_ROOT / name for name in _SETTINGS_FILES]
    for candidate in candidates:
        if candidate.exists():
            values = json.loads(candidate.read_text(encoding="utf-8")).get("Values", {})
            for name, value in values.items():
                os.environ.setdefault(name, str(value))
            return


_SETTINGS_FILES = ("local.settings.json", "local.settings.sample.json")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m shared.admin", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.add_argument("--settings", type=Path, help="a local.settings.json to read")
    commands = parser.add_subparsers(dest="command", required=True)

    service = commands.add_parser("create-service", help="register a service, print its keys")
    service.add_argument("--name", required=True)
    service.add_argument("--organization-name", required=True)
    service.add_argument("--organization-fiscal-code", required=True, help="11 digits")
    service.add_argument("--department-name", default="")
    service.add_argument("--tier", choices=[tier.value for tier in Tier], default=Tier.BASIC)
    service.add_argument("--id", dest="service_id", help="the service id (default: random)")

    citizen = commands.add_parser("register-citizen", help="create or replace a citizen profile")
    citizen.add_argument("fiscal_code")
    citizen.add_argument("--inbox-disabled", action="store_true")
    citizen.add_argument(
        "--language", action="append", dest="languages", help="preferred language, e.g. it_IT"
    )
    return parser


def _run(args: argparse.Namespace, app: App) -> dict[str, Any]:
    if args.command == "create-service":
        created = create_service(
            name=args.name,
            organization_name=args.organization_name,
            organization_fiscal_code=args.organization_fiscal_code,
            department_name=args.department_name,
            tier=Tier(args.tier),
            service_id=args.service_id,
            services=app.services,
            api_keys=app.api_keys,
        )
        return {
            "service_id": created.service.id,
            "name": created.service.name,
            "tier": created.service.tier,
            "primary_key": created.primary_key,
            "secondary_key": created.secondary_key,
        }
    profile = register_citizen(
        args.fiscal_code,
        inbox_enabled=not args.inbox_disabled,
        preferred_languages=tuple(args.languages or ("it_IT",)),
        profiles=app.profiles,
    )
    return {
        "registered": True,
        "inbox_enabled": profile.inbox_enabled,
        "preferred_languages": list(profile.preferred_languages),
    }


def _print_human(command: str, result: dict[str, Any]) -> None:
    if command == "create-service":
        print(f"service {result['service_id']} ({result['name']}, {result['tier']}) created")
        print(f"primary key:   {result['primary_key']}")
        print(f"secondary key: {result['secondary_key']}")
        print("The keys are shown only now; Postino stores only their hashes.")
    else:
        state = "enabled" if result["inbox_enabled"] else "disabled"
        print(f"citizen registered, inbox {state}")


def _fail(message: str, *, as_json: bool, code: int = EXIT_FAILED) -> int:
    if as_json:
        print(json.dumps({"error": message}))
    else:
        print(f"error: {message}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _load_local_settings(args.settings)
    try:
        app = build_app(Settings.from_env())
        result = _run(args, app)
    except (MissingSettingError, InvalidSettingError) as exc:
        return _fail(str(exc), as_json=args.json, code=EXIT_USAGE)
    except ValidationError as exc:
        details = "; ".join(f"{error.pointer.lstrip('/')}: {error.detail}" for error in exc.errors)
        return _fail(details, as_json=args.json, code=EXIT_USAGE)
    except AlreadyExistsError:
        return _fail("a service with this id already exists", as_json=args.json)
    except PostinoError as exc:
        return _fail(str(exc), as_json=args.json)
    if args.json:
        print(json.dumps(result))
    else:
        _print_human(args.command, result)
    return 0
