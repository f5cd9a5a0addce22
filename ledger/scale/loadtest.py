"""`ledger bench load`: readers and fact-checkers at once, on a real server over loopback.

Builds the seed ledger into a scratch directory, serves it with Datasette (a real process),
and runs `clients` reader threads, each making `requests` requests spread over facet pages,
searches and claim pages, while one fact-checker logs in and posts `changes` status changes
through the web form. Then it checks: no error responses, every change in the journal, and the
audit passes. It reports throughput and latency percentiles.
"""

from __future__ import annotations

import itertools
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import yaml

from .. import audit
from ..build import build
from .server import DatasetteServer, csrf_token, log_in

PASSWORD = "load-test-" + os.urandom(6).hex()
ACTOR = "seed-curator"


def _reader_paths(conn: sqlite3.Connection) -> list[str]:
    claims = [r[0] for r in conn.execute("SELECT id FROM claims ORDER BY id")]
    outlets = [r[0] for r in conn.execute("SELECT id FROM outlets")]
    words = ["regime", "Harfoush", "Jasim", "Daraa", "killed", "Iran", "cells", "Baghouz"]
    paths = ["/ledger/claims", "/ledger/claims.json", "/-/questions"]
    paths += [f"/ledger/claims.json?status={s}" for s in ("unverified", "corroborated")]
    paths += [f"/ledger/claims?outlet_id={o}" for o in outlets]
    paths += [f"/ledger/claims.json?_search={w}" for w in words]
    paths += [f"/ledger/search_claims.json?q={w}" for w in words]
    paths += [f"/ledger/claims/{c}" for c in claims]
    return paths


def run(
    seeds: Path,
    metadata_path: Path,
    clients: int = 4,
    requests: int = 2000,
    changes: int = 200,
    workdir: Path | None = None,
) -> dict:
    """Run the load; return the figures (and whether every check held)."""
    from datasette_auth_passwords.utils import hash_password

    workdir = Path(workdir or tempfile.mkdtemp(prefix="ledger-load-"))
    db = workdir / "ledger.db"
    build(seeds, db)
    metadata = yaml.safe_load(Path(metadata_path).read_text(encoding="utf-8"))
    metadata["plugins"]["datasette-auth-passwords"] = {
        f"{ACTOR}_password_hash": {"$env": "LEDGER_LOAD_HASH"}
    }
    meta_file = workdir / "metadata.yml"
    meta_file.write_text(yaml.safe_dump(metadata))
    server = DatasetteServer(db, meta_file, env={"LEDGER_LOAD_HASH": hash_password(PASSWORD)})
    base = server.url
    try:
        conn = sqlite3.connect(db)
        paths = _reader_paths(conn)
        # Claims nothing opposes: the rules accept every change posted to them (each cites
        # a URL), while they would refuse one that left an error about the claim changed.
        claims = [
            r
            for r in conn.execute(
                "SELECT id, status FROM claims WHERE contradicted_by = 0 ORDER BY id"
            )
        ]
        entries_before = conn.execute("SELECT count(*) FROM journal").fetchone()[0]
        conn.close()

        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()

        def reader(index: int) -> None:
            rng = random.Random(index)
            with httpx.Client(base_url=base, timeout=60) as client:
                for _ in range(requests):
                    path = rng.choice(paths)
                    began = time.perf_counter()
                    try:
                        status = client.get(path).status_code
                    except httpx.HTTPError as exc:
                        status = repr(exc)
                    elapsed = time.perf_counter() - began
                    with lock:
                        latencies.append(elapsed)
                        if status != 200:
                            errors.append(f"{path}: {status}")

        posted: list[int] = []

        def fact_checker() -> None:
            statuses = itertools.cycle(
                [
                    "disputed",
                    "corroborated",
                    "contested",
                    "unverifiable",
                    "unverified",
                    "confirmed",
                    "false",
                ]
            )
            current = dict(claims)
            with httpx.Client(base_url=base, timeout=60) as client:
                log_in(client, ACTOR, PASSWORD)
                for i in range(changes):
                    claim_id = claims[i % len(claims)][0]
                    status = next(statuses)
                    while status == current[claim_id]:
                        status = next(statuses)
                    token = csrf_token(client.get(f"/ledger/claims/{claim_id}").text)
                    response = client.post(
                        f"/-/ledger/ledger/claims/{claim_id}/verify",
                        data={
                            "csrftoken": token,
                            "status": status,
                            "rationale": f"Load test change {i}",
                            "evidence": "https://example.org/load-test",
                        },
                    )
                    if response.status_code != 302:
                        with lock:
                            errors.append(f"post {i}: {response.status_code}")
                    else:
                        current[claim_id] = status
                        posted.append(i)

        threads = [threading.Thread(target=reader, args=(i,)) for i in range(clients)]
        threads.append(threading.Thread(target=fact_checker))
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
    finally:
        server.stop()

    conn = sqlite3.connect(db)
    entries_after = conn.execute("SELECT count(*) FROM journal").fetchone()[0]
    report = audit.verify(conn)
    conn.close()
    latencies.sort()
    return {
        "clients": clients,
        "requests": clients * requests,
        "status_changes_posted": len(posted),
        "seconds": round(elapsed, 2),
        "requests_per_second": round(clients * requests / elapsed, 1),
        "median_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1),
        "errors": errors[:20],
        "error_count": len(errors),
        "journal_entries_added": entries_after - entries_before,
        "audit_ok": report.ok,
        "ok": not errors and entries_after - entries_before == changes and report.ok,
        "machine_cpus": os.cpu_count(),
        "python": sys.version.split()[0],
    }
