"""Shared fixtures: seed directories to mutate, built ledgers and a real Datasette server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from ledger.build import build
from ledger.scale import server as scale_server
from ledger.scale.server import csrf_token, free_port  # noqa: F401 (the tests import them here)

# rich reads COLUMNS once, when a console is made, and keeps it as a fixed width: with it set (as
# in pytest-xdist's workers, or a shell that exports it) the CLI's consoles would ignore the width
# a test gives `CliRunner(env={"COLUMNS": ...})`.
os.environ.pop("COLUMNS", None)


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


@pytest.fixture(scope="session")
def mini_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini seeds built once per session: the directory holding what the build wrote."""
    built = tmp_path_factory.mktemp("mini-build")
    build(MINI_SEEDS, built / "ledger.db")
    return built


@pytest.fixture
def mini_db(mini_seeds: Path, mini_build: Path, tmp_path: Path) -> Path:
    """A private mini ledger built from `mini_seeds`, safe to change: a copy of every file the
    build writes (the database and its internal sidecar), newer than the seeds as a build is."""
    for built in mini_build.iterdir():
        shutil.copyfile(built, tmp_path / built.name)
    return tmp_path / "ledger.db"  # Datasette names the database after the file


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


class Server(scale_server.DatasetteServer):
    """`DatasetteServer` with the project's metadata.yml unless told otherwise."""

    def __init__(self, db: Path, metadata: Path = METADATA, **kwargs):
        super().__init__(db, metadata, cwd=ROOT, **kwargs)


@pytest.fixture(scope="session")
def seed_server(seed_db: Path):
    """Datasette serving the real seed ledger with the project's metadata and plugin."""
    with Server(seed_db) as server:
        yield server


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


@pytest.fixture(scope="session")
def accounts_env() -> dict[str, str]:
    """The environment giving `login_metadata`'s two accounts the password PASSWORD."""
    from datasette_auth_passwords.utils import hash_password

    digest = hash_password(PASSWORD)
    return {"TEST_HASH_CHECKER": digest, "TEST_HASH_READER": digest}


@pytest.fixture
def mini_server(mini_db: Path, login_metadata: Path, accounts_env: dict):
    """Datasette on a private mini ledger, with two accounts whose password is PASSWORD."""
    with Server(mini_db, env=accounts_env, metadata=login_metadata) as server:
        yield server


@pytest.fixture(scope="module")
def shared_mini_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A mini ledger one module's tests share: only for tests that write nothing to it."""
    db = tmp_path_factory.mktemp("shared-mini") / "ledger.db"
    build(MINI_SEEDS, db)
    return db


@pytest.fixture(scope="module")
def shared_mini_server(shared_mini_db: Path, login_metadata: Path, accounts_env: dict):
    """`mini_server` once per module, on `shared_mini_db`: for tests that change nothing (a
    refused write, a login) and, all together, fail fewer logins than the limiter allows."""
    with Server(shared_mini_db, env=accounts_env, metadata=login_metadata) as server:
        yield server


def log_in(client: httpx.Client, user: str, password: str = PASSWORD) -> httpx.Response:
    """Log in to a test server; the accounts of `login_metadata` share PASSWORD."""
    return scale_server.log_in(client, user, password)


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
