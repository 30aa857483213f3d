"""A TCP fault-injection proxy for the local emulators.

The app reaches Azurite and the Cosmos DB emulator through a `FaultProxy`
(`infra.local.faults.proxy`); tests and chaos runs switch faults on and off per request:
connection resets before or after the request lands, black holes, refused connections.
"""
