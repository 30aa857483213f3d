"""A stand-in for the worker pool: records each InvocationRequest and answers it from a thread
of its own, as a worker connection's reader thread does, with what the test decides."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future

from offline_host.worker.protocol import pb

Answer = Callable[[pb.InvocationRequest], pb.InvocationResponse]
READER_THREAD = "fake-worker-reader"


def succeeded(*outputs: tuple[str, pb.TypedData]) -> Answer:
    """Answers success with these output bindings (``$return`` as the return value)."""

    def answer(request: pb.InvocationRequest) -> pb.InvocationResponse:
        response = pb.InvocationResponse(
            invocation_id=request.invocation_id,
            result=pb.StatusResult(status=pb.StatusResult.Success),
        )
        for name, data in outputs:
            if name == "$return":
                response.return_value.CopyFrom(data)
            else:
                response.output_data.append(pb.ParameterBinding(name=name, data=data))
        return response

    return answer


def failed(message: str, stack_trace: str = "") -> Answer:
    def answer(request: pb.InvocationRequest) -> pb.InvocationResponse:
        return pb.InvocationResponse(
            invocation_id=request.invocation_id,
            result=pb.StatusResult(
                status=pb.StatusResult.Failure,
                exception=pb.RpcException(message=message, stack_trace=stack_trace),
            ),
        )

    return answer


class FakeWorkers:
    """``invoke`` like WorkerPool's; each answer comes after ``release`` is set (at once by
    default), from a new thread named READER_THREAD."""

    def __init__(self, answer: Answer | None = None) -> None:
        self.answer = answer or succeeded()
        self.requests: list[pb.InvocationRequest] = []
        self.release = threading.Event()
        self.release.set()

    def invoke(self, request: pb.InvocationRequest) -> Future[pb.InvocationResponse]:
        self.requests.append(request)
        future: Future[pb.InvocationResponse] = Future()

        def reply() -> None:
            self.release.wait(10)
            future.set_result(self.answer(request))

        threading.Thread(target=reply, name=READER_THREAD, daemon=True).start()
        return future
