"""The CLI's argument parser: bad command lines are reported like any other bad input."""

from __future__ import annotations

import argparse
from typing import NoReturn, TypeAlias


class UsageError(Exception):
    """The command line does not parse."""


class CliParser(argparse.ArgumentParser):
    # argparse would print its usage and exit; the CLI reports the error itself, as JSON
    # when asked, with the same exit code (2).
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {self.prog} --help)")


Subcommands: TypeAlias = "argparse._SubParsersAction[CliParser]"
