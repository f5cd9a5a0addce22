"""`ledger bench`: one run that measures a synthetic ledger end to end, on the same data.

1. build with full validation, as a ratio against the floor: inserting exactly the same rows
   into the same schema with `executemany` and nothing else, then the same indexes and
   full-text index;
2. `ledger audit` over the whole journal;
3. the matrix of what readers combine, on the public snapshot served as `datasette serve DIR`
   serves it, through Datasette's own client: the claims page unfiltered, with one, two and
   three filters, the busiest speaker, a date range, a rare-word and a common-word search and a
   search plus a filter — median, p95, and whether every configured facet was counted; the
   same requests on the live file, for comparison;
4. ranked full-text search (`search_claims`, bm25) for a rare and a common word;
5. a claim page with its relations and history;
6. peak memory (maximum resident set) of the build, at N and at N/4; the extra disk and memory
   the snapshot's facet index and covering indexes take.

Every figure is measured in this run, on this machine; ratios compare runs on the same data.
"""

from __future__ import annotations

import asyncio
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

from .. import audit
from ..files import uri
from ..publish import SETTINGS as SNAPSHOT_SETTINGS
from ..publish import facet_config, publish
from . import synth


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


def _build(records: Path, db: Path, rows: Path | None = None) -> tuple[float, int, float, int]:
    """Wall time and peak memory of a build, the time it spent recording rows, and the peak
    memory of its validating process."""
    rows_arg = f", rows_out={str(rows)!r}" if rows else ""
    report_file = db.with_suffix(".report")
    elapsed, memory = _timed_child(
        "from ledger.bulk import build_from_records; "
        f"r = build_from_records({str(records)!r}, {str(db)!r}{rows_arg}); "
        f"open({str(report_file)!r}, 'w')"
        ".write(f'{r.rows_out_seconds} {r.validating_peak_bytes}')"
    )
    recording, validating = report_file.read_text().split()
    report_file.unlink()
    return elapsed, memory, float(recording), int(validating)


def _floor(rows: Path, db: Path) -> tuple[float, int]:
    return _timed_child(
        f"from ledger.bulk import insert_rows; insert_rows({str(rows)!r}, {str(db)!r})"
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


MATRIX = {
    "unfiltered": ("unfiltered", ""),
    "one_filter": ("one filter (outlet)", "outlet_id={outlet}"),
    "two_filters": ("two filters (status, kind)", "status=contested&kind=event"),
    "three_filters": (
        "three filters (anonymous, status, kind)",
        "anonymous=1&status=unverified&kind=assessment",
    ),
    "busiest_speaker": ("the busiest speaker", "speaker_id={speaker}"),
    "date_range": (
        "a date range (half a year)",
        "said_on_earliest__gte=2019-01-01&said_on_earliest__lt=2019-07-01",
    ),
    "search_rare": ("a rare-word search", "_search={rare}"),
    "search_common": ("a common-word search (a third of claims)", "_search={common}"),
    "search_and_filter": ("a common-word search and a filter", "_search={common}&status=false"),
    "search_two_common": ("a search for two common words", "_search={two_common_search}"),
}
"""The claims page requests readers combine: key → (label, query string)."""


async def _matrix(ds, facets: list[str], runs: int, words: dict) -> dict:
    results = {}
    await ds.client.get("/ledger/claims.json")  # warm up once, as a server up a while would be
    for key, (label, query) in MATRIX.items():
        page, payload = await _time_page(ds, f"/ledger/claims.json?{query.format(**words)}", runs)
        counted = {
            name
            for name, facet in payload.get("facet_results", {}).items()
            if not facet.get("timed_out")
        }
        page["label"] = label
        page["rows_count"] = payload.get("filtered_table_rows_count")
        page["facets_not_counted"] = sorted(set(facets) - counted)
        page["all_facets_present"] = not page["facets_not_counted"]
        results[key] = page
    return results


async def _pages(ds, facets: list[str], runs: int, words: dict, claim: str) -> dict:
    results = {"matrix": await _matrix(ds, facets, runs, words)}
    results["claims_html"], _ = await _time_page(ds, "/ledger/claims", runs)
    for name, word in (
        ("ranked_rare", words["rare"]),
        ("ranked_common", words["common"]),
        ("ranked_two_common", words["two_common"]),
        ("ranked_three_common", words["three_common"]),
    ):
        page, payload = await _time_page(
            ds, f"/ledger/search_claims.json?q={word}&_shape=objects", runs
        )
        page["rows"] = len(payload.get("rows", []))
        results[name] = page
    results["claim_page"], _ = await _time_page(ds, f"/ledger/claims/{claim}", runs)
    return results


def _snapshot_cost(snapshot: Path, live_db: Path) -> dict:
    """Disk the snapshot adds over the live file (facet index, covering indexes, stored
    search answers and term frequencies), and the memory the loaded facet index holds."""
    from ..facet_index import INDEX_TABLE, FacetIndex
    from ..ranked_search import DOCUMENTS_TABLE, POSTINGS_TABLE, TOP_TABLE, postings

    conn = sqlite3.connect(uri(snapshot / "ledger.db", "immutable=1"), uri=True)
    search_tables = (TOP_TABLE, POSTINGS_TABLE, DOCUMENTS_TABLE)
    search = conn.execute(
        f"SELECT sum(pgsize) FROM dbstat WHERE name IN ({', '.join('?' * len(search_tables))})",
        search_tables,
    ).fetchone()[0]
    sizes = dict(
        conn.execute(
            "SELECT name, sum(pgsize) FROM dbstat WHERE name = ? OR name LIKE 'claims_%_covering' "
            "GROUP BY name",
            (INDEX_TABLE,),
        ).fetchall()
    )
    index = FacetIndex.load(conn, "claims")
    conn.close()
    memory = index.rowids.nbytes + sum(
        column.codes.nbytes + (column.date_codes.nbytes if column.date_codes is not None else 0)
        for column in index.columns.values()
    )
    stored = postings(str(snapshot / "ledger.db"))
    documents = stored.documents if stored is not None else None
    search_memory = documents.rowids.nbytes + documents.tokens.nbytes if documents else 0
    return {
        "search_tables_mb": round((search or 0) / 2**20, 1),
        "search_memory_mb": round(search_memory / 2**20, 1),
        "search_memory_per_cached_term_mb": round(len(documents.rowids) / 2**20, 1)
        if documents
        else 0,
        "facet_index_mb": round(sizes.pop(INDEX_TABLE, 0) / 2**20, 1),
        "covering_indexes_mb": round(sum(sizes.values()) / 2**20, 1),
        "snapshot_file_mb": round((snapshot / "ledger.db").stat().st_size / 2**20),
        "live_file_mb": round(live_db.stat().st_size / 2**20),
        "facet_index_memory_mb": round(memory / 2**20, 1),
    }


def run(
    claims: int,
    seed: int,
    workdir: Path,
    runs: int = 20,
    metadata_path: Path = Path("metadata.yml"),
    progress=print,
    build_runs: int = 1,
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

    ratios, seconds = [], []
    for attempt in range(build_runs):
        progress(f"build with validation ({attempt + 1} of {build_runs})")
        build_wall, build_memory, recording, validating_memory = _build(records, db, rows)
        build_seconds = build_wall - recording  # recording rows for the floor is not building
        progress("floor: the same rows, executemany only")
        floor_seconds, _ = _floor(rows, floor_db)
        ratios.append(round(build_seconds / floor_seconds, 2))
        seconds.append((round(build_seconds, 1), round(floor_seconds, 1)))
    quarter = workdir / f"synth-{claims // 4}.tsv"
    synth.write(quarter, claims // 4, seed)
    _, quarter_memory, _, quarter_validating = _build(quarter, workdir / "quarter.db")
    figures["build"] = {
        "seconds": round(build_seconds, 2),
        "rows_recording_seconds_excluded": round(recording, 2),
        "floor_seconds": round(floor_seconds, 2),
        "ratio_to_floor": statistics.median(ratios),
        "ratios_of_each_run": ratios,
        "build_and_floor_seconds_of_each_run": seconds,
        "claims_per_second": round(claims / build_seconds),
        "peak_memory_mb": round(build_memory / 2**20),
        "peak_memory_mb_at_quarter": round(quarter_memory / 2**20),
        "validating_process_peak_memory_mb": round(validating_memory / 2**20),
        "validating_process_peak_memory_mb_at_quarter": round(quarter_validating / 2**20),
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
        report = audit.verify(conn)
        timings.append(round(time.perf_counter() - began, 2))
    figures["audit"] = {
        "seconds": timings[0],
        "seconds_warm": timings[1],
        "entries": report.entries,
        "ok": report.ok,
    }
    outlet, speaker = (
        conn.execute(
            f"SELECT {c} FROM claims GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]
        for c in ("outlet_id", "speaker_id")
    )
    claim = conn.execute(
        "SELECT claim_id FROM relations GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    conn.close()

    progress("publish the snapshot")
    snapshot = workdir / "snapshot"
    began = time.perf_counter()
    publish(db, snapshot, metadata_path)
    figures["publish_seconds"] = round(time.perf_counter() - began, 2)

    figures["snapshot_cost"] = _snapshot_cost(snapshot, db)
    columns, dates = facet_config(metadata)
    facets = columns + dates
    words = {
        "outlet": outlet,
        "speaker": speaker,
        "common": "regime",
        "rare": "4321",
        "two_common": "cells+attacks",
        "two_common_search": "cells+attacks",
        "three_common": "cells+attacks+regime",
    }
    progress("Datasette pages on the snapshot, served as `datasette serve DIR` serves it")
    from datasette.app import Datasette

    figures["snapshot"] = _run(_pages(Datasette(config_dir=snapshot), facets, runs, words, claim))
    progress("the same requests on the live file (mutable, facets counted by SQL)")
    live = Datasette([str(db)], metadata=metadata, settings=SNAPSHOT_SETTINGS)
    figures["live"] = _run(_matrix(live, facets, max(3, runs // 5), words))
    return figures


def default_workdir() -> Path:
    return Path(tempfile.gettempdir()) / "ledger-bench"


def table(figures: dict):
    """The figures as a rich table, for people."""
    from rich.table import Table

    out = Table(
        title=f"ledger bench: {figures['claims']:,} synthetic claims (seed {figures['seed']})"
    )
    out.add_column("measure")
    out.add_column("figure", justify="right")
    b = figures["build"]
    out.add_row(
        "build with validation, then floor (same rows, executemany only), each run",
        "; ".join(
            f"{build} s, {floor} s" for build, floor in b["build_and_floor_seconds_of_each_run"]
        ),
    )
    out.add_row(
        "build / floor (median of runs)",
        f"{b['ratio_to_floor']}x (runs: {', '.join(map(str, b['ratios_of_each_run']))})",
    )
    out.add_row(
        "build peak memory, N/4 then N: inserting, validating process",
        f"{b['peak_memory_mb_at_quarter']} MB, {b['peak_memory_mb']} MB; "
        f"{b['validating_process_peak_memory_mb_at_quarter']} MB, "
        f"{b['validating_process_peak_memory_mb']} MB",
    )
    a = figures["audit"]
    out.add_row(
        f"audit of {a['entries']:,} journal entries",
        f"{a['seconds']} s, again {a['seconds_warm']} s ({'ok' if a['ok'] else 'FAILED'})",
    )
    out.add_row("publish the snapshot", f"{figures['publish_seconds']} s")
    c = figures["snapshot_cost"]
    out.add_row(
        "snapshot extra disk: facet index, covering indexes",
        f"{c['facet_index_mb']} MB, {c['covering_indexes_mb']} MB",
    )
    out.add_row("snapshot extra memory: facet index", f"{c['facet_index_memory_mb']} MB")
    out.add_row(
        "snapshot extra disk: stored search answers and common terms' frequencies",
        f"{c['search_tables_mb']} MB",
    )
    out.add_row(
        "snapshot extra memory: search (rows' lengths; each common term read, up to 32)",
        f"{c['search_memory_mb']} MB; {c['search_memory_per_cached_term_mb']} MB a term",
    )
    for place in ("snapshot", "live"):
        matrix = figures[place]["matrix"] if place == "snapshot" else figures[place]
        for page in matrix.values():
            missing = page["facets_not_counted"]
            out.add_row(
                f"{place}: {page['label']}",
                f"{page['median_ms']} ms median, {page['p95_ms']} ms p95, "
                + ("every facet" if not missing else f"NOT COUNTED: {', '.join(missing)}"),
            )
    for key, label in (
        ("claims_html", "snapshot: claims page (HTML)"),
        ("ranked_rare", "snapshot: ranked search, rare word"),
        ("ranked_common", "snapshot: ranked search, common word"),
        ("ranked_two_common", "snapshot: ranked search, two common words"),
        ("ranked_three_common", "snapshot: ranked search, three common words"),
        ("claim_page", "snapshot: claim page (HTML)"),
    ):
        page = figures["snapshot"][key]
        out.add_row(label, f"{page['median_ms']} ms median, {page['p95_ms']} ms p95")
    return out
