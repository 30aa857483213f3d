"""Generate the protocol's Python classes from function_rpc.proto into ``_generated/``.

``python -m offline_host.worker.generate``. The generated code is not committed:
it is tied to the protobuf runtime installed, so ``make install`` (and the tests) produce it.
It is regenerated only when the .proto is newer, so calling this is cheap.
"""

from __future__ import annotations

import keyword
import re
import sys
from importlib.resources import files
from pathlib import Path

from grpc_tools import protoc

PACKAGE_DIR = Path(__file__).resolve().parent
PROTO_FILE = PACKAGE_DIR / "function_rpc.proto"
OUTPUT_DIR = PACKAGE_DIR / "_generated"
GENERATED_MODULE = OUTPUT_DIR / "function_rpc_pb2.py"
_INIT_TEXT = '"""Generated from ../function_rpc.proto by ../generate.py; not committed."""\n'


class ProtocolGenerationError(RuntimeError):
    """protoc failed on function_rpc.proto (its message on stderr says why)."""


def is_stale() -> bool:
    """True when the generated module is missing or older than the .proto."""
    return (
        not GENERATED_MODULE.is_file()
        or GENERATED_MODULE.stat().st_mtime < PROTO_FILE.stat().st_mtime
    )


def generate(*, force: bool = False) -> bool:
    """Run protoc when the generated module is stale; True when it ran.

    Raises ProtocolGenerationError when protoc fails.
    """
    if not force and not is_stale():
        return False
    OUTPUT_DIR.mkdir(exist_ok=True)
    # google/protobuf/timestamp.proto comes with grpcio-tools.
    well_known = str(files("grpc_tools").joinpath("_proto"))
    status = protoc.main(
        [
            "protoc",
            f"-I{PACKAGE_DIR}",
            f"-I{well_known}",
            f"--python_out={OUTPUT_DIR}",
            f"--pyi_out={OUTPUT_DIR}",
            str(PROTO_FILE),
        ]
    )
    if status != 0:
        raise ProtocolGenerationError(f"protoc failed on {PROTO_FILE} (exit status {status})")
    _drop_keyword_attributes(GENERATED_MODULE.with_suffix(".pyi"))
    (OUTPUT_DIR / "__init__.py").write_text(_INIT_TEXT, encoding="utf-8")
    # protoc keeps the old file's time when nothing changed; mark it as made now.
    GENERATED_MODULE.touch()
    return True


def _drop_keyword_attributes(stub: Path) -> None:
    """Remove the stub lines declaring enum values named like Python keywords.

    The real protocol names values ``in`` (BindingInfo.Direction) and ``None`` (RpcLog.Level,
    RpcHttpCookie.SameSite); protoc writes them into the .pyi as attributes, which is not
    Python. They stay reachable at run time, as ``Direction.Value("in")``.
    """
    declaration = re.compile(r"^\s*(\w+):")
    lines = stub.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [
        line
        for line in lines
        if not ((match := declaration.match(line)) and keyword.iskeyword(match.group(1)))
    ]
    stub.write_text("".join(kept), encoding="utf-8")


def main() -> int:
    ran = generate(force="--force" in sys.argv[1:])
    print(f"{GENERATED_MODULE}: {'generated' if ran else 'up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
