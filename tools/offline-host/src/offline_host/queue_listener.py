"""Queue triggers: poll a queue and run its function on each message, as the real host does.

Messages are received in batches of ``batchSize`` and invisible for 10 minutes; a new
batch is fetched once the messages in flight fall to ``newBatchThreshold``. An empty
queue is polled with exponential back-off up to ``maxPollingInterval``. After an
invocation the message is deleted (success), made visible again after
``visibilityTimeout`` (failure), or copied to ``<queue>-poison`` and deleted (failure on
attempt ``maxDequeueCount``).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from datetime import timedelta

from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.storage.queue import QueueMessage

from .errors import MessageEncodingError
from .function_config import FunctionConfig, QueueTrigger
from .host_config import QueueOptions
from .invoker import InvocationOutcome, Invoker
from .message_encoding import decode_message
from .queue_clients import QueueClients
from .queue_delivery import QueueDelivery

logger = logging.getLogger(__name__)

POISON_SUFFIX = "-poison"
# What the real host uses; a message stays hidden from other consumers while it runs.
RECEIVE_VISIBILITY = timedelta(minutes=10)
MIN_POLLING_SECONDS = 0.1


class QueueListener:
    """Polls one queue for one function, on its own thread."""

    def __init__(
        self,
        function: FunctionConfig,
        options: QueueOptions,
        clients: QueueClients,
        invoker: Invoker,
        settler: ThreadPoolExecutor,
    ) -> None:
        trigger = function.trigger
        if not isinstance(trigger, QueueTrigger):
            raise TypeError(f"{function.name} is not queue-triggered")
        self._function = function
        self._trigger = trigger
        self._options = options
        self._clients = clients
        self._invoker = invoker
        self._settler = settler
        self._reason = f"New queue message detected on '{trigger.queue_name}'."
        self._in_flight = 0
        self._capacity = threading.Condition()
        self._stopping = threading.Event()
        self._wakeup = threading.Event()
        self._thread = threading.Thread(
            target=self._poll, name=f"queue-{trigger.queue_name}", daemon=True
        )

    @property
    def queue(self) -> tuple[str, str]:
        """(connection string, queue name) of the queue this listener polls."""
        return self._trigger.connection_string, self._trigger.queue_name

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Poll now: a message was just sent to this queue by this host."""
        self._wakeup.set()

    def stop(self, timeout: float) -> None:
        """Stop polling; messages already handed to the function are settled as they end."""
        self._stopping.set()
        self._wakeup.set()
        with self._capacity:
            self._capacity.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _poll(self) -> None:
        interval = MIN_POLLING_SECONDS
        ceiling = self._options.max_polling_interval.total_seconds()
        failing = False
        while self._wait_for_capacity():
            try:
                messages = self._receive()
                if failing:
                    logger.info("Polling queue '%s' works again", self._trigger.queue_name)
                failing = False
            except ResourceNotFoundError:
                messages = []  # the queue does not exist yet: the same as empty
            except Exception as error:  # any failure to poll (network, bad connection string)
                if not failing:
                    logger.warning(
                        "Cannot poll queue '%s' for 'Functions.%s': %s",
                        self._trigger.queue_name,
                        self._function.name,
                        error,
                    )
                failing, messages = True, []
            if messages:
                interval = MIN_POLLING_SECONDS
                for message in messages:
                    self._dispatch(message)
                continue
            woken = self._wakeup.wait(interval)
            self._wakeup.clear()
            interval = MIN_POLLING_SECONDS if woken else min(interval * 2, ceiling)

    def _wait_for_capacity(self) -> bool:
        with self._capacity:
            while self._in_flight > self._options.new_batch_threshold:
                if self._stopping.is_set():
                    break
                self._capacity.wait()
        return not self._stopping.is_set()

    def _receive(self) -> list[QueueMessage]:
        client = self._clients.client(*self.queue)
        pages = client.receive_messages(
            messages_per_page=self._options.batch_size,
            visibility_timeout=int(RECEIVE_VISIBILITY.total_seconds()),
        ).by_page()
        return list(next(pages, []))

    def _dispatch(self, message: QueueMessage) -> None:
        limit = self._options.max_dequeue_count
        if message.dequeue_count is not None and message.dequeue_count > limit:
            self._poison(
                message,
                f"it was dequeued {message.dequeue_count} times, more than maxDequeueCount "
                f"{limit}, without completing",
            )
            return
        try:
            body = decode_message(message.content, self._options.message_encoding)
        except MessageEncodingError as error:
            self._poison(message, str(error))
            return
        delivery = QueueDelivery(
            id=message.id,
            body=body,
            dequeue_count=message.dequeue_count or 1,
            insertion_time=message.inserted_on,
            expiration_time=message.expires_on,
            time_next_visible=message.next_visible_on,
            pop_receipt=message.pop_receipt,
        )
        with self._capacity:
            self._in_flight += 1
        try:
            future = self._invoker.submit(self._function, delivery, self._reason)
        except RuntimeError:
            self._settle(message, None)
            return
        future.add_done_callback(lambda done: self._settler.submit(self._settle, message, done))

    def _settle(self, message: QueueMessage, done: Future[InvocationOutcome] | None) -> None:
        try:
            outcome = None if done is None else done.result()
            self._after(message, outcome)
        except CancelledError:
            self._after(message, None)
        except Exception as error:  # the listener must outlive any one message
            logger.warning(
                "Could not settle message %s of queue '%s': %s",
                message.id,
                self._trigger.queue_name,
                error,
            )
        finally:
            with self._capacity:
                self._in_flight -= 1
                self._capacity.notify_all()

    def _after(self, message: QueueMessage, outcome: InvocationOutcome | None) -> None:
        client = self._clients.client(*self.queue)
        if outcome is None:
            # Never ran (the host is stopping): let another consumer have it at once.
            client.update_message(message.id, pop_receipt=message.pop_receipt, visibility_timeout=0)
        elif outcome.succeeded:
            client.delete_message(message.id, message.pop_receipt)
        elif (message.dequeue_count or 1) >= self._options.max_dequeue_count:
            self._poison(
                message,
                f"it has reached maxDequeueCount of {self._options.max_dequeue_count}",
            )
        else:
            client.update_message(
                message.id,
                pop_receipt=message.pop_receipt,
                visibility_timeout=int(self._options.visibility_timeout.total_seconds()),
            )

    def _poison(self, message: QueueMessage, reason: str) -> None:
        poison_queue = self._trigger.queue_name + POISON_SUFFIX
        logger.warning(
            "Moving message %s of queue '%s' to '%s': %s",
            message.id,
            self._trigger.queue_name,
            poison_queue,
            reason,
        )
        try:
            poison = self._clients.ensure_queue(self._trigger.connection_string, poison_queue)
            poison.send_message(message.content)
            self._clients.client(*self.queue).delete_message(message.id, message.pop_receipt)
        except AzureError as error:
            logger.warning("Could not move message %s to '%s': %s", message.id, poison_queue, error)
