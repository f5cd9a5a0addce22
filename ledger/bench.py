"""`ledger bench`: one run that measures a synthetic ledger end to end, on the same data.

1. build with full validation, as a ratio against the floor: inserting exactly the same rows
   into the same schema with `executemany` and nothing else, then the same indexes and
   full-text index;
2. `ledger audit` over the whole journal;
3. the claims table page with every configured facet, through Datasette's own client, on the
   public snapshot (and once on the live file, for comparison): median and p95, and whether
   every configured facet is in `facet_results`;
4. filtered pages (status=..., outlet_id=...) and ranked full-text search for a rare and a
   common word;
5. a claim page with its relations and history;
6. peak memory (maximum resident set) of the build, at N and at N/4.

Every figure is measured in this run, on this machine; ratios compare runs on the same data.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from . import journal, synth
from .publish import facet_config, publish


def _run(coroutine):
    """Run a coroutine on a fresh event loop in its own thread (a caller's loop may be busy)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _timed_child(code: str) -> tuple[float, int]:
    """Run Python code in a child process; its wall time and peak memory (bytes)."""
    began = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - began
    if status != 0:
        raise RuntimeError(process.stderr.read().decode()[-2000:])
    return elapsed, usage.ru_maxrss * 1024


def _build(records: Path, db: Path, rows: Path | None = None) -> tuple[float, int, float]:
    """Wall time and peak memory of a build, and the time it spent recording rows."""
    rows_arg = f", rows_out={str(rows)!r}" if rows else ""
    seconds_file = db.with_suffix(".rows-seconds")
    elapsed, memory = _timed_child(
        "from ledger.bulk import build_from_records; "
        f"r = build_from_records({str(records)!r}, {str(db)!r}{rows_arg}); "
        f"open({str(seconds_file)!r}, 'w').write(str(r.rows_out_seconds))"
    )
    recording = float(seconds_file.read_text())
    seconds_file.unlink()
    return elapsed, memory, recording


def _floor(rows: Path, db: Path) -> tuple[float, int]:
    return _timed_child(
        f"from ledger.bulk import insert_rows; insert_rows({str(rows)!r}, {str(db)!r})"
    )


def _datasette(
    db: Path,
    metadata: dict,
    immutable: bool,
    inspect: dict | None = None,
    settings: dict | None = None,
):
    from datasette.app import Datasette

    return Datasette(
        files=[] if immutable else [str(db)],
        immutables=[str(db)] if immutable else [],
        inspect_data=inspect,
        metadata=metadata,
        settings=settings,
    )


async def _time_page(ds, path: str, runs: int) -> dict:
    timings, status, payload = [], None, None
    for _ in range(runs):
        began = time.perf_counter()
        response = await ds.client.get(path)
        timings.append(time.perf_counter() - began)
        status = response.status_code
        if path.split("?")[0].endswith(".json"):
            payload = response.json()
    timings.sort()
    result = {
        "path": path,
        "status": status,
        "median_ms": round(statistics.median(timings) * 1000, 1),
        "p95_ms": round(timings[min(len(timings) - 1, int(len(timings) * 0.95))] * 1000, 1),
        "runs": runs,
    }
    return result, payload


async def _pages(
    ds, facets: list[str], runs: int, common_word: str, rare_word: str, outlet: str, claim: str
) -> dict:
    results = {}
    # Warm up once, as a server that has been up a while would be.
    await ds.client.get("/ledger/claims.json")
    page, payload = await _time_page(ds, "/ledger/claims.json", runs)
    present = set(payload.get("facet_results", {}))
    page["facets_present"] = sorted(present)
    page["all_facets_present"] = set(facets) <= present
    page["facets_timed_out"] = payload.get("facets_timed_out", [])
    results["claims_json"] = page
    results["claims_html"], _ = await _time_page(ds, "/ledger/claims", runs)
    for name, path in (
        ("filtered_status", "/ledger/claims.json?status=false"),
        ("filtered_outlet", f"/ledger/claims.json?outlet_id={outlet}"),
    ):
        page, payload = await _time_page(ds, path, runs)
        page["all_facets_present"] = set(facets) <= set(payload.get("facet_results", {}))
        results[name] = page
    for name, word in (("search_rare", rare_word), ("search_common", common_word)):
        page, payload = await _time_page(
            ds, f"/ledger/search_claims.json?q={word}&_shape=objects", runs
        )
        page["rows"] = len(payload.get("rows", []))
        results[name] = page
    results["claim_page"], _ = await _time_page(ds, f"/ledger/claims/{claim}", runs)
    return results


def run(
    claims: int,
    seed: int,
    workdir: Path,
    runs: int = 20,
    metadata_path: Path = Path("metadata.yml"),
    progress=print,
) -> dict:
    """Measure everything on a synthetic ledger of ``claims`` claims; return the figures."""
    workdir.mkdir(parents=True, exist_ok=True)
    metadata = yaml.safe_load(Path(metadata_path).read_text(encoding="utf-8"))
    records = workdir / f"synth-{claims}.tsv"
    rows = workdir / "rows.marshal"
    db = workdir / "ledger.db"
    floor_db = workdir / "floor.db"
    figures: dict = {
        "claims": claims,
        "seed": seed,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform(),
        },
    }
    progress(f"synth: {claims:,} claims")
    began = time.perf_counter()
    figures["records"] = synth.write(records, claims, seed)
    figures["synth_seconds"] = round(time.perf_counter() - began, 2)

    progress("build with validation")
    build_wall, build_memory, recording = _build(records, db, rows)
    build_seconds = build_wall - recording  # recording the rows for the floor is not building
    progress("floor: the same rows, executemany only")
    floor_seconds, _ = _floor(rows, floor_db)
    quarter = workdir / f"synth-{claims // 4}.tsv"
    synth.write(quarter, claims // 4, seed)
    _, quarter_memory, _ = _build(quarter, workdir / "quarter.db")
    figures["build"] = {
        "seconds": round(build_seconds, 2),
        "rows_recording_seconds_excluded": round(recording, 2),
        "floor_seconds": round(floor_seconds, 2),
        "ratio_to_floor": round(build_seconds / floor_seconds, 2),
        "claims_per_second": round(claims / build_seconds),
        "peak_memory_mb": round(build_memory / 2**20),
        "peak_memory_mb_at_quarter": round(quarter_memory / 2**20),
    }
    for path in (rows, floor_db, quarter, workdir / "quarter.db"):
        path.unlink(missing_ok=True)

    progress("audit")
    conn = sqlite3.connect(db)
    # Twice: first as after a build, when the file has left the page cache (the floor's build
    # pushed it out), then warm, as when an auditor runs it again.
    timings = []
    for _ in range(2):
        began = time.perf_counter()
        report = journal.audit(conn)
        timings.append(round(time.perf_counter() - began, 2))
    figures["audit"] = {
        "seconds": timings[0],
        "seconds_warm": timings[1],
        "entries": report.entries,
        "ok": report.ok,
    }
    outlet = conn.execute(
        "SELECT outlet_id FROM claims GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    claim = conn.execute(
        "SELECT claim_id FROM relations GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    conn.close()

    progress("publish the snapshot")
    snapshot = workdir / "snapshot"
    began = time.perf_counter()
    publish(db, snapshot, metadata_path)
    figures["publish_seconds"] = round(time.perf_counter() - began, 2)

    columns, dates = facet_config(metadata)
    facets = columns + dates
    snap_metadata = yaml.safe_load((snapshot / "metadata.yml").read_text())
    inspect = json.loads((snapshot / "inspect-data.json").read_text())
    settings = json.loads((snapshot / "settings.json").read_text())
    progress("Datasette pages on the snapshot")
    ds = _datasette(
        snapshot / "ledger.db", snap_metadata, immutable=True, inspect=inspect, settings=settings
    )
    figures["snapshot"] = _run(
        _pages(ds, facets, runs, common_word="regime", rare_word="4321", outlet=outlet, claim=claim)
    )
    progress("the claims page on the live file (same settings), for comparison")
    live = _datasette(db, metadata, immutable=False, settings=settings)
    figures["live_claims_json"], payload = _run(
        _time_page(live, "/ledger/claims.json", max(3, runs // 5))
    )
    figures["live_claims_json"]["all_facets_present"] = set(facets) <= set(
        payload.get("facet_results", {})
    )
    return figures


def default_workdir() -> Path:
    return Path(tempfile.gettempdir()) / "ledger-bench"


PAGE_LABELS = {
    "claims_html": "snapshot: claims page, all facets (HTML)",
    "claims_json": "snapshot: claims page, all facets (JSON)",
    "filtered_status": "snapshot: status=false (JSON)",
    "filtered_outlet": "snapshot: outlet_id=<largest outlet> (JSON)",
    "search_rare": "snapshot: ranked search, rare word",
    "search_common": "snapshot: ranked search, common word",
    "claim_page": "snapshot: claim page (HTML)",
}


def table(figures: dict):
    """The figures as a rich table, for people."""
    from rich.table import Table

    out = Table(
        title=f"ledger bench: {figures['claims']:,} synthetic claims (seed {figures['seed']})"
    )
    out.add_column("measure")
    out.add_column("figure", justify="right")
    b = figures["build"]
    out.add_row("build with validation", f"{b['seconds']} s ({b['claims_per_second']:,}/s)")
    out.add_row("floor: same rows, executemany only", f"{b['floor_seconds']} s")
    out.add_row("build / floor", f"{b['ratio_to_floor']}x")
    out.add_row(
        "build peak memory, N/4 then N",
        f"{b['peak_memory_mb_at_quarter']} MB, {b['peak_memory_mb']} MB",
    )
    a = figures["audit"]
    out.add_row(
        f"audit of {a['entries']:,} journal entries",
        f"{a['seconds']} s, again {a['seconds_warm']} s ({'ok' if a['ok'] else 'FAILED'})",
    )
    out.add_row("publish the snapshot", f"{figures['publish_seconds']} s")
    for key, label in PAGE_LABELS.items():
        page = figures["snapshot"][key]
        extra = ""
        if "all_facets_present" in page:
            extra = ", all facets" if page["all_facets_present"] else ", FACETS MISSING"
        out.add_row(label, f"{page['median_ms']} ms median, {page['p95_ms']} ms p95{extra}")
    live = figures["live_claims_json"]
    out.add_row(
        "live file: claims page (JSON)",
        f"{live['median_ms']} ms median"
        + (", all facets" if live["all_facets_present"] else ", FACETS MISSING"),
    )
    return out
