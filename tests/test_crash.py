"""Crashes and hostile filesystems: kill -9 mid-build, mid-import and mid-append; a read-only
file; a full disk. Nothing already recorded is lost, and a rerun completes."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ledger import audit
from ledger.build import build, build_records, check
from ledger.scale import synth

from .conftest import SEEDS, run_ledger

pytestmark = pytest.mark.slow


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def audit_ok(db: Path) -> audit.AuditReport:
    conn = sqlite3.connect(db)
    try:
        report = audit.verify(conn)
    finally:
        conn.close()
    assert report.ok, report.problems[:3]
    return report


def leftovers(db: Path) -> list[Path]:
    return sorted(db.parent.glob(f".{db.name}.building-*"))


def kill_when_building(command: list[str], db: Path, min_bytes: int = 200_000):
    """Start a command, and kill -9 it once its new database file has grown."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        files = leftovers(db)
        if files and files[0].exists() and files[0].stat().st_size > min_bytes:
            break
        if process.poll() is not None:
            pytest.fail("the command finished before it could be interrupted")
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()


@pytest.fixture(scope="module")
def big_records(tmp_path_factory):
    path = tmp_path_factory.mktemp("records") / "synth.tsv"
    synth.write(path, 30_000, seed=5)
    return path


def test_killed_build_leaves_the_previous_database_and_a_rerun_completes(
    mini_seeds, tmp_path, big_records
):
    db = tmp_path / "ledger.db"
    build(mini_seeds, db)
    before = digest(db)
    command = [
        sys.executable,
        "-m",
        "ledger",
        "build",
        "--records",
        str(big_records),
        "--db",
        str(db),
    ]
    kill_when_building(command, db)
    assert leftovers(db), "the kill should have left a half-written file behind"
    assert digest(db) == before
    audit_ok(db)
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert leftovers(db) == []  # the killed build's file was cleaned up
    assert sqlite3.connect(db).execute("SELECT count(*) FROM claims").fetchone()[0] == 30_000
    audit_ok(db)


def test_killed_import_leaves_the_previous_database(mini_db, tmp_path, big_records):
    big = tmp_path / "big.db"
    build_records(big_records, big)
    dump = tmp_path / "big.jsonl"
    assert run_ledger("export", "jsonl", "--db", str(big), "--out", str(dump)).returncode == 0
    before = digest(mini_db)
    kill_when_building(
        [sys.executable, "-m", "ledger", "import", "jsonl", str(dump), "--db", str(mini_db)],
        mini_db,
    )
    assert digest(mini_db) == before
    audit_ok(mini_db)
    assert run_ledger("import", "jsonl", str(dump), "--db", str(mini_db)).returncode == 0
    audit_ok(mini_db)


APPENDER = textwrap.dedent("""
    import sys
    from ledger import actions
    for i in range(100000):
        actions.add_note(sys.argv[1], "daily-200-homes", "checker", f"note {i}")
""")


def test_killed_appender_leaves_a_valid_journal(mini_db):
    process = subprocess.Popen([sys.executable, "-c", APPENDER, str(mini_db)])
    time.sleep(2.5)
    process.send_signal(signal.SIGKILL)
    process.wait()
    report = audit_ok(mini_db)
    assert report.entries > 10  # it really was appending when it died
    notes = [
        r
        for (r,) in sqlite3.connect(mini_db).execute(
            "SELECT rationale FROM journal WHERE action = 'note' ORDER BY seq"
        )
    ]
    assert notes == [f"note {i}" for i in range(len(notes))]  # no gap, no half entry


def test_read_only_database_file_is_a_clear_error(mini_db):
    if (
        shutil.which("chattr") is None
        or subprocess.run(["chattr", "+i", str(mini_db)], capture_output=True).returncode != 0
    ):
        pytest.skip("needs chattr +i (root) to make a file read-only for root")
    try:
        result = run_ledger(
            "verify",
            "daily-200-homes",
            "--status",
            "disputed",
            "--by",
            "checker",
            "--note",
            "x",
            "--db",
            str(mini_db),
        )
        assert result.returncode == 1
        (line,) = result.stderr.splitlines()  # one line: no traceback
        assert line.startswith("error: cannot write to the ledger")
        assert "readonly" in line.replace("-", "").replace(" ", "")
    finally:
        subprocess.run(["chattr", "-i", str(mini_db)], check=True)
    audit_ok(mini_db)


@pytest.fixture
def small_disk(tmp_path):
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)],
            capture_output=True,
        ).returncode
        != 0
    ):
        pytest.skip("needs permission to mount a small tmpfs to fill a disk")
    yield mount_point
    subprocess.run(["umount", str(mount_point)], check=True)


def test_full_disk_during_a_build_keeps_the_old_database(mini_seeds, small_disk):
    db = small_disk / "ledger.db"
    build(mini_seeds, db)
    before = digest(db)
    result = run_ledger("build", "--seeds", str(SEEDS), "--db", str(db))  # too big for 2 MB
    assert result.returncode == 1, result.stderr
    (line,) = result.stderr.splitlines()  # one line: no traceback
    assert line == (
        f"error: {db}: could not write the new database (database or disk is full); "
        "the previous one is unchanged"
    )
    assert digest(db) == before and leftovers(db) == []
    audit_ok(db)


def test_full_disk_while_appending_keeps_the_journal_valid(mini_seeds, small_disk):
    db = small_disk / "ledger.db"
    build(mini_seeds, db)
    filler = small_disk / "filler"
    free = shutil.disk_usage(small_disk).free
    filler.write_bytes(b"\0" * max(0, free - 8192))
    long_note = "x" * 20_000
    failures = 0
    for _ in range(20):
        result = run_ledger(
            "note", "daily-200-homes", "--by", "checker", "--note", long_note, "--db", str(db)
        )
        if result.returncode != 0:
            failures += 1
            assert result.returncode == 1
            (line,) = result.stderr.splitlines()  # one line: no traceback
            assert line.startswith("error: ") and "full" in line
    assert failures > 0, "the disk never filled up"
    audit_ok(db)


def holds_open(pid: int, path: Path) -> bool:
    """Whether process ``pid`` has ``path`` open (Linux /proc)."""
    target = str(path.resolve())
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except FileNotFoundError:
        return False
    for fd in fds:
        try:
            if os.readlink(fd) == target:
                return True
        except FileNotFoundError:  # closed meanwhile
            continue
    return False


def wait_until(condition, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"the import ended ({process.returncode}) before {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting until {what}")
        time.sleep(0.005)


def open_fifo_for_writing(fifo: Path, process: subprocess.Popen) -> int:
    """Open ``fifo`` for writing as soon as ``process`` waits in open() to read it."""
    opened: list[int] = []

    def reader_waits() -> bool:
        try:
            opened.append(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            return True
        except OSError as exc:
            if exc.errno != errno.ENXIO:  # ENXIO: nobody has it open for reading
                raise
            return False

    wait_until(reader_waits, process, f"it read {fifo.name}")
    return opened[0]


def test_killed_claimreview_import_during_validation_leaves_the_seeds_as_they_were(
    mini_seeds, tmp_path
):
    # One archived text is a FIFO the test feeds once: the importer's first read of the
    # seeds gets it, its second read (validating the seeds with the new files) waits for a
    # writer, and the test kills the import right there, during validation.
    text = mini_seeds / "documents" / "daily-2024-01-10.txt"
    content = text.read_bytes()
    text.unlink()
    os.mkfifo(text)
    before = sorted(p.relative_to(mini_seeds) for p in mini_seeds.rglob("*"))
    feed = tmp_path / "feed.json"
    feed.write_text(
        json.dumps(
            {
                "@type": "ClaimReview",
                "claimReviewed": "The dam was never inspected.",
                "author": {"@type": "Organization", "name": "Example Checks"},
                "reviewRating": {"alternateName": "False"},
                "itemReviewed": {"author": {"@type": "Person", "name": "Pat Lee"}},
            }
        )
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "ledger", "import", "claimreview", str(feed)]
        + ["--seeds", str(mini_seeds)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        first = open_fifo_for_writing(text, process)
        os.write(first, content)
        # Closed only once the reader holds it, then waited on until it lets go: a reader of
        # the FIFO after that is the second read, stopped in open() until a writer comes.
        wait_until(lambda: holds_open(process.pid, text), process, "it opened the text")
        os.close(first)
        wait_until(lambda: not holds_open(process.pid, text), process, "it read the text")
        second = open_fifo_for_writing(text, process)
        process.send_signal(signal.SIGKILL)
        process.wait()
        os.close(second)
    finally:
        process.kill()
        process.wait()
    assert sorted(p.relative_to(mini_seeds) for p in mini_seeds.rglob("*")) == before
    text.unlink()
    text.write_bytes(content)
    check(mini_seeds)  # the seeds still load: nothing half-imported was left behind
