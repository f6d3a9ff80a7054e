"""A real SMTP server on localhost for the mail tests (aiosmtpd), and the free port it listens on."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from aiosmtpd.controller import Controller

H = TypeVar("H")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serving(make: Callable[[], H]) -> Iterator[Callable[..., tuple[H, int]]]:
    """A fixture body: `start(**aiosmtpd options)` starts a server with a new handler on a free port (or
    `port=`); every server started is stopped when the test ends."""
    controllers: list[Controller] = []

    def start(port: int | None = None, **options: Any) -> tuple[H, int]:
        handler, port = make(), port or free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        return handler, port

    yield start
    for controller in controllers:
        controller.stop()
