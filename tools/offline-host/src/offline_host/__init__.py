"""A local Azure Functions host for v1-model Python apps, for machines without Core Tools.

Run it with ``python -m offline_host --app-root PATH``; see README.md for what it
supports and where it differs from the real host.
"""
