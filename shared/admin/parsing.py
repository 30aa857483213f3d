"""The CLI's argument parser: bad command lines are reported like any other bad input."""

from __future__ import annotations

import argparse
import re
from typing import NoReturn

from shared.domain.errors import FieldError, ValidationError


class UsageError(Exception):
    """The command line does not parse."""


class CliParser(argparse.ArgumentParser):
    # argparse would print its usage and exit; the CLI reports the error itself, as JSON
    # when asked, with the same exit code (2).
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {self.prog} --help)")


type Subcommands = argparse._SubParsersAction[CliParser]

MAX_LIMIT = 32  # the queue service's ceiling for one look


def queue_limit(text: str) -> int:
    """A --limit of messages to look at in a queue: 1 to MAX_LIMIT.

    Raises ValidationError pointing at /limit.
    """
    if re.fullmatch(r"[0-9]{1,2}", text.strip()) and 1 <= int(text) <= MAX_LIMIT:
        return int(text)
    detail = f"{text!r} is not a whole number from 1 to {MAX_LIMIT}"
    raise ValidationError([FieldError("out_of_range", detail, "/limit")])
