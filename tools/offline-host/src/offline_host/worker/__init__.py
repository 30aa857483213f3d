"""Run the app's functions in worker processes through Microsoft's v1 Python worker library.

``azure-functions-runtime-v1`` is the code Azure's Python worker runs for a function.json app:
it imports the functions, converts bindings and calls ``main``. Driving it here, over the
real protocol's messages, means a function binds and answers locally as it does in Azure.
The host side builds the requests (``metadata``, ``invocation_requests``), reads the answers
(``invocation_outcomes``) and runs the processes (``worker_pool``); ``worker_process`` is the
child.
"""
