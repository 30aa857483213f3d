"""The object behind a ``func.Out[...]`` parameter."""

from __future__ import annotations

from typing import TypeVar

import azure.functions as func

T = TypeVar("T")


class OutValue(func.Out[T]):
    """Holds what a function sets on an output binding; unset means no output."""

    def __init__(self) -> None:
        self._value: T | None = None
        self._is_set = False

    def set(self, val: T) -> None:
        self._value = val
        self._is_set = True

    def get(self) -> T:
        # The worker's Out returns None before set(); mirror it despite the annotation.
        return self._value  # type: ignore[return-value]

    @property
    def is_set(self) -> bool:
        return self._is_set
