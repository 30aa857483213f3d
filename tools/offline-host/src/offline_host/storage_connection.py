"""Turn a binding's ``connection`` into a storage connection string, as the host looks it up."""

from __future__ import annotations

from collections.abc import Mapping

from .errors import MissingSettingError

DEFAULT_CONNECTION = "AzureWebJobsStorage"

# The well-known, public development account of the storage emulator: "UseDevelopmentStorage=true"
# means exactly this, and the Python SDK does not understand the shorthand itself.
DEVELOPMENT_STORAGE = (
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
    "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
    "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
    "QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;"
)


def storage_connection_string(
    connection: str | None, environ: Mapping[str, str], *, where: str
) -> str:
    """The connection string named by a binding's ``connection`` (default AzureWebJobsStorage).

    Like the real host, a name N is looked up as N and then as ``AzureWebJobsN``.
    Raises MissingSettingError naming the setting when neither is set (identity-based
    connections, ``N__queueServiceUri``, are not supported offline).
    """
    name = connection or DEFAULT_CONNECTION
    for candidate in (name, f"AzureWebJobs{name}"):
        value = environ.get(candidate, "").strip()
        if value:
            if value.replace(" ", "").lower().startswith("usedevelopmentstorage=true"):
                return DEVELOPMENT_STORAGE
            return value
    raise MissingSettingError(name, where)
