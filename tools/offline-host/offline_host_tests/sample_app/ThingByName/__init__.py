"""Answer with this function's name, so tests see which route won."""

from __future__ import annotations

import azure.functions as func


def main(req: func.HttpRequest) -> str:
    return "ThingByName"
