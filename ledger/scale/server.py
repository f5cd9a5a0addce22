"""A real Datasette process on a free loopback port, and logging in to it as a fact-checker.

The tests and `ledger bench load` start their servers here: one way to start `datasette serve` (or
`ledger serve`) on a free port, wait until it answers, stop it, and log in.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx

from ..build import datasette_command
from ..errors import LedgerError

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class ServerProcess:
    """A server in a child process on a free loopback port, answering at `url` once constructed.

    `command(port)` gives the command line; it must listen on 127.0.0.1 at that port. `env` is
    added to the environment. Use it as a context manager, or call `stop()`.
    """

    def __init__(
        self,
        command: Callable[[int], Sequence[str]],
        *,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        timeout: float = 30.0,
    ):
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        # Output to a file, not a pipe: a pipe nobody reads fills up and stalls the server.
        self._output = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            list(command(self.port)),
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=self._output,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_it_answers(timeout)

    def _wait_until_it_answers(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                said = self.output()
                self._output.close()
                raise LedgerError(f"the server exited before it answered: {said}")
            try:
                httpx.get(self.url + "/-/versions.json", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise LedgerError(f"the server did not answer within {timeout:g} s")

    def output(self) -> str:
        """What the process has written so far, to stdout and stderr: its log."""
        self._output.seek(0)
        return self._output.read().decode("utf-8", "replace").strip()

    def client(self, **kwargs) -> httpx.Client:
        """An HTTP client for this server; it keeps cookies, so a login lasts."""
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)

    def stop(self) -> None:
        """End the process (SIGTERM, then SIGKILL after 10 s)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._output.close()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


class DatasetteServer(ServerProcess):
    """`datasette serve` in a child process.

    With `metadata`, it serves the ledger database `path` as `ledger serve` does (`immutable`
    serves it with `-i`, as a published snapshot is served); without, `path` is passed to
    `datasette serve` alone (a configuration directory such as a snapshot). `extra_args` go on
    the command line.
    """

    def __init__(
        self,
        path: Path,
        metadata: Path | None = None,
        *,
        immutable: bool = False,
        extra_args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        timeout: float = 30.0,
    ):
        def command(port: int) -> list[str]:
            if metadata is None:
                line = [sys.executable, "-m", "datasette", "serve", str(path)]
                line += ["--host", HOST, "--port", str(port)]
            else:
                line = datasette_command(path, metadata, host=HOST, port=port)
            if immutable:
                line[line.index(str(path))] = "-i"
                line.insert(line.index("-i") + 1, str(path))
            return [*line, *extra_args]

        super().__init__(command, env=env, cwd=cwd, timeout=timeout)


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in a page."""
    return re.search(r'name="csrftoken" value="([^"]+)"', html).group(1)


def log_in(client: httpx.Client, user: str, password: str) -> httpx.Response:
    """POST /-/login as `user`; on success (302) the client holds the `ds_actor` cookie."""
    token = csrf_token(client.get("/-/login").text)
    return client.post(
        "/-/login", data={"username": user, "password": password, "csrftoken": token}
    )
