"""Shared fixtures: seed directories to mutate, built ledgers and a real Datasette server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ledger.build import build, datasette_command

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
MINI_SEEDS = ROOT / "tests" / "fixtures" / "mini-seeds"
METADATA = ROOT / "metadata.yml"


@pytest.fixture
def mini_seeds(tmp_path: Path) -> Path:
    """A private copy of the small test seed ledger, safe to break."""
    target = tmp_path / "seeds"
    shutil.copytree(MINI_SEEDS, target)
    return target


@pytest.fixture
def mini_db(mini_seeds: Path, tmp_path: Path) -> Path:
    db = tmp_path / "ledger.db"  # Datasette names the database after the file
    build(mini_seeds, db)
    return db


@pytest.fixture(scope="session")
def seed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real seed ledger, built once per test session."""
    db = tmp_path_factory.mktemp("seed") / "ledger.db"
    build(SEEDS, db)
    return db


def configured_facets() -> set[str]:
    """The claims facets metadata.yml configures: every page must compute all of them."""
    import yaml

    from ledger.publish import facet_config

    columns, dates = facet_config(yaml.safe_load(METADATA.read_text()))
    return set(columns) | set(dates)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A real Datasette process serving a ledger database over loopback HTTP."""

    def __init__(
        self,
        db: Path,
        env: dict | None = None,
        metadata: Path = METADATA,
        extra_args: tuple[str, ...] = (),
        immutable: bool = False,
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = datasette_command(db, metadata, host="127.0.0.1", port=self.port)
        if immutable:  # `datasette serve -i FILE`: the way a published snapshot is served
            command[command.index(str(db))] = "-i"
            command.insert(command.index("-i") + 1, str(db))
        command += list(extra_args)
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stderr.read().decode())
            try:
                httpx.get(self.url + "/-/versions.json", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("Datasette did not start within 30 s")

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="session")
def seed_server(seed_db: Path):
    """Datasette serving the real seed ledger with the project's metadata and plugin."""
    server = Server(seed_db)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def http(seed_server: Server):
    with seed_server.client() as client:
        yield client


def run_ledger(*args: str, cwd: Path | None = None, env: dict | None = None):
    """Run the installed `ledger` command in a real subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "ledger", *args],
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def add_and_draft(seeds: Path, article: Path, title: str, published: str) -> Path:
    """`ledger add-document` an article (outlet enab-baladi), then `ledger extract --format
    yaml` it into its document's YAML, as a curator would; return the archived text file."""
    from typer.testing import CliRunner

    from ledger.cli import app

    runner = CliRunner()
    texts_before = set((seeds / "documents").glob("*.txt"))
    added = runner.invoke(
        app,
        ["add-document", str(article), "--outlet", "enab-baladi", "--title", title]
        + ["--published", published, "--seeds", str(seeds)],
    )
    assert added.exit_code == 0, added.output
    (archived,) = set((seeds / "documents").glob("*.txt")) - texts_before
    drafted = runner.invoke(
        app, ["extract", str(archived), "--format", "yaml", "--seeds", str(seeds)]
    )
    assert drafted.exit_code == 0, drafted.output
    return archived


PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def login_metadata(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """metadata.yml with accounts for the mini seeds' checker (fact-checker) and reader (editor)."""
    import yaml

    metadata = yaml.safe_load(METADATA.read_text())
    metadata["plugins"]["datasette-auth-passwords"] = {
        "checker_password_hash": {"$env": "TEST_HASH_CHECKER"},
        "reader_password_hash": {"$env": "TEST_HASH_READER"},
    }
    path = tmp_path_factory.mktemp("metadata") / "metadata.yml"
    path.write_text(yaml.safe_dump(metadata))
    return path


@pytest.fixture
def mini_server(mini_db: Path, login_metadata: Path):
    """Datasette on a private mini ledger, with two accounts whose password is PASSWORD."""
    from datasette_auth_passwords.utils import hash_password

    digest = hash_password(PASSWORD)
    server = Server(
        mini_db,
        env={"TEST_HASH_CHECKER": digest, "TEST_HASH_READER": digest},
        metadata=login_metadata,
    )
    yield server
    server.stop()


def csrf_token(html: str) -> str:
    import re

    return re.search(r'name="csrftoken" value="([^"]+)"', html).group(1)


def log_in(client: httpx.Client, user: str, password: str = PASSWORD) -> httpx.Response:
    token = csrf_token(client.get("/-/login").text)
    return client.post(
        "/-/login", data={"username": user, "password": password, "csrftoken": token}
    )


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Use Debian's chromium (Playwright's own download is not available here)."""
    if not CHROMIUM.exists():
        pytest.fail(
            "browser tests need Debian's chromium: apt-get install chromium "
            "(or deselect them with -m 'not browser')"
        )
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }
