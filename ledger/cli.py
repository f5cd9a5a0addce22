"""The `ledger` command: argument parsing and printing only; the work lives in the library."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from . import build as building
from . import queries
from .errors import LedgerError, SeedErrors

app = typer.Typer(
    name="ledger",
    help="A verification ledger for claims made in news reporting.\n\n"
    "Seeds (YAML and archived texts) are validated and built into one SQLite file, which "
    "Datasette publishes with facets and full-text search.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

DbOption = Annotated[
    Path, typer.Option("--db", help="The ledger database file.", envvar="LEDGER_DB")
]
SeedsOption = Annotated[
    Path, typer.Option("--seeds", help="The seeds directory.", envvar="LEDGER_SEEDS")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]

DEFAULT_DB = Path("ledger.db")
DEFAULT_SEEDS = Path("seeds")


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _fail(error: LedgerError) -> typer.Exit:
    if isinstance(error, SeedErrors):
        for problem in error.problems:
            err.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    err.print(f"error: {error}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(error.exit_code)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<16}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


@app.command()
def check(seeds: SeedsOption = DEFAULT_SEEDS, as_json: JsonOption = False) -> None:
    """Validate the seeds without building: print every problem with file and line.

    Exits 0 when the seeds are valid and 2 when they are not.
    """
    try:
        ledger = building.check(seeds)
    except SeedErrors as error:
        if as_json:
            _print_json({"ok": False, "problems": [p.as_dict() for p in error.problems]})
            raise typer.Exit(error.exit_code) from None
        raise _fail(error) from None
    except LedgerError as error:
        raise _fail(error) from None
    if as_json:
        _print_json({"ok": True, "counts": ledger.counts()})
    else:
        counts = ", ".join(f"{n} {name}" for name, n in ledger.counts().items())
        out.print(f"{seeds}: valid ({counts})", highlight=False)


@app.command()
def build(
    db: DbOption = DEFAULT_DB, seeds: SeedsOption = DEFAULT_SEEDS, as_json: JsonOption = False
) -> None:
    """Validate the seeds and build the ledger database from them.

    The build writes a new file and swaps it in only when complete: on any error the
    existing database is left as it was.
    """
    with _progress() as progress:
        tasks: dict[str, int] = {}

        def step(name: str, count: int, total: int | None = None) -> None:
            if name not in tasks:
                tasks[name] = progress.add_task(name, total=total)
            progress.advance(tasks[name], count)

        try:
            report = building.build(seeds, db, progress=step)
        except LedgerError as error:
            progress.stop()
            raise _fail(error) from None
    if as_json:
        _print_json(report)
    else:
        counts = ", ".join(f"{n} {name}" for name, n in report["counts"].items())
        out.print(f"built {report['db']} from {report['seeds']}: {counts}", highlight=False)


@app.command()
def schemas(
    out_dir: Annotated[Path, typer.Option("--out", help="Directory to write into.")] = Path(
        "schemas"
    ),
) -> None:
    """Regenerate the JSON Schema files of the seed records from the models."""
    from .schemas import write_schemas

    for path in write_schemas(out_dir):
        out.print(f"wrote {path}", highlight=False)


@app.command()
def stats(db: DbOption = DEFAULT_DB, as_json: JsonOption = False) -> None:
    """Counts of what the ledger holds: claims by status, kind and outlet, and table sizes."""
    try:
        result = queries.stats(db)
    except LedgerError as error:
        raise _fail(error) from None
    if as_json:
        _print_json(result)
        return
    for title, counts in result.items():
        table = Table(title=title.replace("_", " "), title_justify="left")
        table.add_column("value")
        table.add_column("count", justify="right")
        for key, value in counts.items():
            table.add_row(str(key), str(value))
        out.print(table)


@app.command()
def show(
    claim_id: Annotated[str, typer.Argument(help="The claim's id.")],
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
) -> None:
    """One claim: who said it where, the quote in its context, its status and relations."""
    try:
        claim = queries.claim_view(db, claim_id)
    except LedgerError as error:
        raise _fail(error) from None
    if as_json:
        _print_json(claim)
        return
    out.print(f"[bold]{claim['id']}[/bold]  [{claim['status']['label']}]", highlight=False)
    out.print(claim["text"], highlight=False)
    speaker = claim["speaker"]
    attribution = f"{speaker['name']} ({speaker['kind_label']})"
    if claim["cue"]:
        attribution += f", {claim['cue']}"
    out.print(f"said by: {attribution}", highlight=False)
    if claim["via"]:
        out.print(f"via: {claim['via']}", highlight=False)
    out.print(
        f"in: {claim['document']['title']} ({claim['outlet']['name']}, "
        f"{claim['document']['published']})",
        highlight=False,
    )
    out.print(f"said on: {claim['said_on']}   about: {claim['about'] or '-'}", highlight=False)
    context = claim["context"]
    out.print(
        f"\n…{context['before']}[reverse]{context['quote']}[/reverse]{context['after']}…\n",
        highlight=False,
    )
    if claim["caveat"]:
        out.print(f"caveat: {claim['caveat']}", highlight=False)
    for relation in claim["relations"]:
        out.print(
            f"{relation['kind']} {relation['other']['id']} "
            f"({relation['other']['speaker']}, {relation['other']['outlet']}): "
            f"{relation['note']}",
            highlight=False,
        )


@app.command()
def search(
    text: Annotated[str, typer.Argument(help="Words to find; any spelling of a name works.")],
    db: DbOption = DEFAULT_DB,
    limit: Annotated[int, typer.Option(help="At most this many results.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Full-text search over claims, ranked by relevance."""
    try:
        results = queries.search_claims(db, text, limit=limit)
    except LedgerError as error:
        raise _fail(error) from None
    if as_json:
        _print_json(results)
        return
    if not results:
        out.print(f"no claims match {text!r}", highlight=False)
        return
    table = Table(show_lines=False)
    for column in ("claim", "speaker", "outlet", "status", "text"):
        table.add_column(column)
    for row in results:
        table.add_row(row["id"], row["speaker"], row["outlet"], row["status"], row["text"])
    out.print(table)


@app.command()
def serve(
    db: DbOption = DEFAULT_DB,
    seeds: SeedsOption = DEFAULT_SEEDS,
    metadata: Annotated[
        Path, typer.Option(help="Datasette metadata file.", envvar="LEDGER_METADATA")
    ] = Path("metadata.yml"),
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8001,
    rebuild: Annotated[
        bool, typer.Option(help="Rebuild from the seeds even when the database is current.")
    ] = False,
) -> None:
    """Build the ledger if it is missing or older than the seeds, then serve it with Datasette."""
    try:
        if rebuild or building.needs_build(seeds, db):
            report = building.build(seeds, db)
            err.print(f"built {report['db']}: {report['counts']['claims']} claims", highlight=False)
        command = building.datasette_command(db, metadata, host=host, port=port)
    except LedgerError as error:
        raise _fail(error) from None
    err.print(f"serving {db} at http://{host}:{port}/", highlight=False)
    import os

    os.execvp(command[0], command)


def main() -> None:
    app(prog_name="ledger")
