"""Logs, traces and metrics: the one place that decides what the app reports and where.

- `log_context`: the fields every log line of an invocation carries (contextvars).
- `json_logs`: the one-line JSON format of those lines.
- `setup`: configures logging (and, with Application Insights set, OpenTelemetry) once
  per worker.
- `invocation`: what every entry point wraps its work in: context, span, "finished" line.
- `metrics`: the app's counters, histogram and gauge, on the OpenTelemetry metrics API.

Nothing here imports Azure SDKs or the Functions library, so use cases may bind fields and
record metrics without depending on the platform.
"""
