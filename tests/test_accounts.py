"""The first fact-checker account on a fresh clone: `ledger fact-checker`, then log in."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ledger.accounts import password_hashes, password_variable
from ledger.build import build

from .conftest import Server, log_in, run_ledger

PASSWORD = "a long enough passphrase"


def add_account(seeds, *args: str, password: str = PASSWORD) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ledger", "fact-checker", *args, "--password-stdin",
         "--seeds", str(seeds)],
        input=password + "\n", capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_a_new_fact_checker_logs_in_with_the_printed_variable(mini_seeds, tmp_path):
    result = add_account(mini_seeds, "jane-doe", "--name", "Jane Doe")
    assert result.returncode == 0, result.stderr
    name, _, value = result.stdout.strip().removeprefix("export ").partition("=")
    assert name == password_variable("jane-doe") == "LEDGER_PASSWORD_HASH_JANE_DOE"
    assert run_ledger("check", "--seeds", str(mini_seeds)).returncode == 0

    db = tmp_path / "ledger.db"
    build(mini_seeds, db)
    # the project's own metadata.yml, as a fresh clone serves it: no account is configured there
    with Server(db, env={name: value.strip("'")}) as server, server.client() as client:
        assert log_in(client, "jane-doe", "a wrong passphrase").status_code == 200
        assert log_in(client, "jane-doe", PASSWORD).status_code in (302, 303)
        assert client.get("/-/actor.json").json()["actor"]["id"] == "jane-doe"


@pytest.mark.parametrize(
    ("args", "password", "says"),
    [
        (["Jane Doe", "--name", "J"], PASSWORD, "cannot be an actor id"),
        (["jane-doe", "--name", "J"], "short", "at least 12 characters"),
        (["seed-curator", "--name", "J"], PASSWORD, "already an actor with the role curator"),
    ],
)
def test_a_refused_account_changes_no_seed_file(mini_seeds, args, password, says):
    if args[0] == "seed-curator":
        (mini_seeds / "actors.yml").write_text(
            (mini_seeds / "actors.yml").read_text()
            + "\n- id: seed-curator\n  name: Curator\n  role: curator\n"
        )
    before = (mini_seeds / "actors.yml").read_bytes()
    result = add_account(mini_seeds, *args, password=password)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip().splitlines()[-1]]
    assert says in result.stderr and result.stderr.startswith("error: ")
    assert (mini_seeds / "actors.yml").read_bytes() == before


def test_variables_give_back_actor_ids():
    environ = {"LEDGER_PASSWORD_HASH_JANE_DOE": "h1", "LEDGER_PASSWORD_HASH_X2": "h2", "HOME": "/"}
    assert password_hashes(environ) == {"jane-doe": "h1", "x2": "h2"}
