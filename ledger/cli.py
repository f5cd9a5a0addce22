"""The `ledger` command: argument parsing and printing only; the work lives in the library."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from . import actions, names, queries, rules
from . import build as building
from .errors import LedgerError, SeedErrors
from .vocabulary import Status


class _Commands(TyperGroup):
    """The `ledger` group: refuses an argument that is not UTF-8 before any command runs.

    The shell hands Python such bytes as lone surrogates, which no library call can store or
    hash; one `error:` line naming the argument is the whole answer.
    """

    def main(self, args=None, *rest, **kwargs):
        argv = sys.argv[1:] if args is None else list(args)
        found = _not_utf8(self, argv)
        if found is not None:
            name, what = found
            err.print(
                f"error: {name}: not UTF-8 text ({what}); give it in UTF-8",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            sys.exit(1)
        _readable_metavars(self)
        return super().main(args, *rest, **kwargs)

    def invoke(self, ctx):
        # The one error wrapper: a user's mistake anywhere in a command is one `error:` line
        # (every problem first, for the seeds) and the error's exit code, never a traceback.
        try:
            return super().invoke(ctx)
        except LedgerError as error:
            raise _fail(error) from None
        except OSError as error:  # a file named on the command line: missing, a directory...
            where = f"{error.filename}: " if error.filename else ""
            raise _fail(LedgerError(f"{where}{error.strerror or error}")) from None


_VALUE_NAMES = {
    "db": "FILE",
    "seeds": "DIR",
    "metadata": "FILE",
    "by": "ACTOR",
    "note": "TEXT",
    "evidence": "URL|CLAIM",
    "accept": "RATIONALE",
}
"""What help calls an option's value, where the option's own name would not say it."""


def _readable_metavars(command) -> None:
    """Help shows `--status STATUS`, not typer's `<str>`, and a flag shows no value at all."""
    for param in command.params:
        if param.metavar is None:
            flag = getattr(param, "is_flag", False)
            param.metavar = "" if flag else _VALUE_NAMES.get(param.name, param.name.upper())
        if param.param_type_name == "argument":  # its name says it; no `<str>` after it
            param.display_type_rich = lambda ctx: None
    for subcommand in getattr(command, "commands", {}).values():
        _readable_metavars(subcommand)


def _not_utf8(command, argv: list[str]) -> tuple[str, str] | None:
    """The first argument that is not UTF-8, as (its name, what is wrong in it). File names
    count too: the ledger records them, and in UTF-8."""
    positional = 0
    awaiting = None  # the option whose value is the next token
    for token in map(str, argv):
        if awaiting is not None:
            name, awaiting = awaiting, None
        elif token.startswith("-") and token != "-":
            flag, has_value, _ = token.partition("=")
            option = next((p for p in command.params if flag in (*p.opts, *p.secondary_opts)), None)
            if option is not None and not has_value and not option.is_flag and not option.count:
                awaiting = flag
            name = flag
        elif not positional and token in getattr(command, "commands", {}):
            command, name = command.commands[token], token
        else:
            arguments = [p.name.upper() for p in command.params if p.param_type_name == "argument"]
            name = arguments[min(positional, len(arguments) - 1)] if arguments else "an argument"
            positional += 1
        bad = _undecodable(token)
        if bad is not None:
            return name, bad
    return None


def _undecodable(text: str) -> str | None:
    """The first thing in an argument that is not UTF-8: the shell's bytes arrive as the
    surrogates U+DC80-U+DCFF (surrogateescape); any other surrogate is named as it is."""
    for char in text:
        if "\udc80" <= char <= "\udcff":
            return f"byte 0x{ord(char) - 0xDC00:02x}"
        if "\ud800" <= char <= "\udfff":
            return f"U+{ord(char):04X}"
    return None


app = typer.Typer(
    cls=_Commands,
    name="ledger",
    help="A verification ledger for claims made in news reporting.\n\n"
    "Seeds (YAML and archived texts) are validated and built into one SQLite file, which "
    "Datasette publishes with facets and full-text search.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
# No console markup: quotes and notes are printed verbatim, "[commanders]" included.
# Long lines are left to the terminal to wrap (soft_wrap), so a pasted line stays whole.
out = Console(markup=False, highlight=False, soft_wrap=True)
err = Console(stderr=True, markup=False, highlight=False, soft_wrap=True)

DbOption = Annotated[
    Path, typer.Option("--db", help="The ledger database file.", envvar="LEDGER_DB")
]
SeedsOption = Annotated[
    Path, typer.Option("--seeds", help="The seeds directory.", envvar="LEDGER_SEEDS")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
MetadataOption = Annotated[
    Path | None,
    typer.Option(
        help="Datasette metadata (default: ./metadata.yml, else the project's own).",
        envvar="LEDGER_METADATA",
    ),
]

DEFAULT_DB = Path("ledger.db")
DEFAULT_SEEDS = Path("seeds")


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _fail(error: LedgerError) -> typer.Exit:
    if isinstance(error, SeedErrors):
        for problem in error.problems:
            err.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    where = f" (use --{error.setting.replace('_', '-')})" if error.setting else ""
    err.print(f"error: {error}{where}", markup=False, highlight=False, soft_wrap=True)
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
        ledger, findings = building.check_seeds(seeds)
    except SeedErrors as error:
        if not as_json:
            raise
        _print_json({"ok": False, "problems": [p.as_dict() for p in error.problems]})
        raise typer.Exit(error.exit_code) from None
    if as_json:
        findings = [f.as_dict() for f in findings]
        _print_json({"ok": True, "counts": ledger.counts(), "findings": findings})
    else:
        counts = ", ".join(f"{n} {name}" for name, n in ledger.counts().items())
        _print_findings([f for f in findings if not f.accepted])
        out.print(f"{seeds}: valid ({counts}); rules: {rules.summary(findings)}")


@app.command()
def build(
    db: DbOption = DEFAULT_DB,
    seeds: SeedsOption = DEFAULT_SEEDS,
    records: Annotated[
        Path | None,
        typer.Option(
            help="Build from a stream of seed records (type<TAB>JSON lines, as "
            "`ledger synth` writes) instead of the YAML seeds."
        ),
    ] = None,
    as_json: JsonOption = False,
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

        if records is not None:
            report = building.build_records(records, db, progress=step)
        else:
            report = building.build(seeds, db, progress=step)
    if as_json:
        _print_json(report)
    else:
        counts = ", ".join(f"{n} {name}" for name, n in report["counts"].items())
        for finding in report.get("findings", []):
            err.print(rules.finding_line(finding))
        rules_line = f"; rules: {report['rules']}" if "rules" in report else ""
        out.print(f"built {report['db']} from {report['seeds']}: {counts}{rules_line}")


@app.command()
def schemas(
    out_dir: Annotated[Path, typer.Option("--out", help="Directory to write into.")] = Path(
        "schemas"
    ),
) -> None:
    """Regenerate the JSON Schema files of the seed records from the models."""
    from .interchange.schemas import write_schemas

    for path in write_schemas(out_dir):
        out.print(f"wrote {path}", highlight=False)


@app.command()
def synth(
    claims: Annotated[int, typer.Option(help="How many claims.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same file.")] = 1,
    out_file: Annotated[Path, typer.Option("--out", help="File to write.")] = Path("synth.tsv"),
) -> None:
    """Write a synthetic ledger shaped like the seed ledger, for `ledger build --records`."""
    from .scale.synth import write

    count = write(out_file, claims, seed)
    out.print(f"wrote {count:,} records ({claims:,} claims) to {out_file}", highlight=False)


@app.command()
def stats(db: DbOption = DEFAULT_DB, as_json: JsonOption = False) -> None:
    """Counts of what the ledger holds: claims by status, kind and outlet, and table sizes."""
    result = queries.stats(db)
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
    claim = queries.claim_view(db, claim_id)
    if as_json:
        _print_json(claim)
        return
    out.print(Text.assemble((claim["id"], "bold"), f"  [{claim['status']['label']}]"))
    out.print(claim["text"], highlight=False)
    speaker = claim["speaker"]
    attribution = f"{speaker['name']} ({speaker['kind_label']})"
    if claim["also_said_by"]:
        attribution += " and " + ", ".join(e["name"] for e in claim["also_said_by"])
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
        Text.assemble(
            f"\n…{context['before']}", (context["quote"], "reverse"), f"{context['after']}…\n"
        )
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
    _print_why(claim["why"])
    if claim["history"]:
        out.print("\nhistory:")
        _print_history(claim["history"])


def _print_why(why: dict) -> None:
    """Why a claim has its status, as `show` prints it under the claim."""
    out.print(f"\nwhy: {why['summary']}")
    for support in why["supports"]:
        independent = "independent" if support["independent"] else "not independent"
        reason = f": {support['reason']}" if support.get("reason") else ""
        out.print(
            f"  supported by: {support['id']} ({support['speaker']}, {support['outlet']}; "
            f"{independent}{reason})"
        )
    for other in why["opposed"]:
        where = ", another report" if other["other_report"] else ""
        out.print(
            f"  {other['kind']}: {other['id']} ({other['speaker']}, {other['outlet']}{where})"
        )
    for finding in why["findings"]:
        out.print(f"  {rules.finding_line(finding)}")
    if why["affected"]:
        out.print(f"  rest on it: {', '.join(c['id'] for c in why['affected'])}")


@app.command()
def internal(
    record_id: Annotated[str, typer.Argument(help="A claim or entity id.")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """What the desk keeps internal about a claim or entity (never published).

    Reads the internal sidecar written next to the database: real identities of protected
    sources, working notes, and claims withheld as internal or under embargo.
    """
    from .boundary import internal_record

    _print_json(internal_record(db, record_id))


@app.command()
def search(
    text: Annotated[str, typer.Argument(help="Words to find; any spelling of a name works.")],
    db: DbOption = DEFAULT_DB,
    limit: Annotated[int, typer.Option(help="At most this many results.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Full-text search over claims, ranked by relevance."""
    results = queries.search_claims(db, text, limit=limit)
    if as_json:
        _print_json(results)
        return
    if not results:
        out.print(f"no claims match {text!r}")
        for match in names.did_you_mean(db, text):
            out.print(
                f"did you mean {match.spelling!r} ({match.name})?  ledger search {match.spelling!r}"
            )
        return
    # one block per claim: ids printed whole, to be pasted into `ledger show`
    for row in results:
        out.print(Text.assemble((row["id"], "bold"), f"  [{row['status']}]"))
        out.print(Text(f"    {row['speaker']} ({row['outlet']}): {row['text']}"))


@app.command("fact-checker")
def fact_checker(
    actor_id: Annotated[str, typer.Argument(help="Their actor id, a slug such as jane-doe.")],
    name: Annotated[str, typer.Option(help="Their full name, as pages show it.")],
    organization: Annotated[str | None, typer.Option(help="Their desk or newsroom.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    seeds: SeedsOption = DEFAULT_SEEDS,
) -> None:
    """Add a fact-checker who can log in on the web, and print the line that enables them.

    Adds the actor to seeds/actors.yml (role fact-checker) and prints the password hash as an
    environment variable to set where the server runs; the hash never goes into a file.
    `ledger serve` rebuilds the ledger, since the seeds changed.
    """
    from .accounts import MIN_PASSWORD_LENGTH, add_fact_checker, password_variable

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt(
            f"Password for {actor_id} (at least {MIN_PASSWORD_LENGTH} characters)",
            hide_input=True,
            confirmation_prompt=True,
            err=True,
        )
    actor, digest = add_fact_checker(seeds, actor_id, name, password, organization)
    err.print(
        f"{actor.id} is a fact-checker in {seeds / 'actors.yml'}. Where the server runs, set:"
    )
    out.print(f"export {password_variable(actor.id)}='{digest}'")


@app.command()
def serve(
    db: DbOption = DEFAULT_DB,
    seeds: SeedsOption = DEFAULT_SEEDS,
    metadata: MetadataOption = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8001,
    rebuild: Annotated[
        bool, typer.Option(help="Rebuild from the seeds even when the database is current.")
    ] = False,
) -> None:
    """Build the ledger if it is missing or older than the seeds, then serve it with Datasette."""
    from .publish import find_metadata

    command = building.datasette_command(db, find_metadata(metadata), host=host, port=port)
    if rebuild or building.needs_build(seeds, db):
        report = building.build(seeds, db)
        err.print(f"built {report['db']}: {report['counts']['claims']} claims", highlight=False)
    err.print(f"serving {db} at http://{host}:{port}/", highlight=False)
    os.execvp(command[0], command)


ByOption = Annotated[str, typer.Option("--by", help="Your actor id (see seeds/actors.yml).")]
NoteOption = Annotated[str, typer.Option("--note", help="The reason for the change (required).")]


def _print_entry(entry, as_json: bool) -> None:
    if as_json:
        _print_json(entry.__dict__)
        return
    out.print(
        f"journal entry {entry.seq}: {queries.describe_entry(entry)} "
        f"(claim {entry.claim_id}, by {entry.actor_id}, {entry.recorded_at})"
    )
    for finding in getattr(entry, "findings", []):
        out.print(rules.finding_line(finding))
    if getattr(entry, "accepted_rules", None):
        out.print(f"warnings accepted: {', '.join(entry.accepted_rules)}")
    affected = getattr(entry, "affected", [])
    if affected:
        out.print(f"{len(affected)} claims rest on it and should be looked at again:")
        for claim in affected:
            out.print(f"  {claim['id']} ({claim['status_label']}; {', '.join(claim['how'])})")


def _print_findings(findings) -> None:
    for finding in findings:
        err.print(rules.finding_line(finding.as_dict()))


@app.command()
def verify(
    claim_id: Annotated[str, typer.Argument(help="The claim to change.")],
    status: Annotated[
        str, typer.Option(help="The new status: " + ", ".join(s.value for s in Status))
    ],
    by: ByOption,
    note: NoteOption,
    evidence: Annotated[
        list[str] | None,
        typer.Option(
            help="A URL or claim id supporting the change; repeat for several. Required for "
            "confirmed and false."
        ),
    ] = None,
    accept: Annotated[
        str | None,
        typer.Option(
            help="Accept the rules' warnings about the claim after this change, with this "
            "rationale (kept in the journal). Errors cannot be accepted."
        ),
    ] = None,
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
) -> None:
    """Change a claim's status; the change is appended to the journal with its reason.

    The verification rules run before and after the change: an error refuses it, warnings are
    printed (or accepted with --accept), and the claims resting on a claim that becomes false,
    disputed or contested are listed.
    """
    entry = actions.verify(db, claim_id, status, by, note, evidence or [], accept)
    _print_entry(entry, as_json)


@app.command()
def relate(
    claim_id: Annotated[str, typer.Argument(help="The first claim.")],
    kind: Annotated[
        str, typer.Argument(help="contradicts, corroborates, competes, repeats or refines.")
    ],
    other_id: Annotated[str, typer.Argument(help="The other claim.")],
    by: ByOption,
    note: Annotated[str, typer.Option("--note", help="What exactly differs or agrees.")],
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
) -> None:
    """Link two claims (or confirm a suggested link), recorded in the journal."""
    entry = actions.relate(db, claim_id, kind, other_id, by, note)
    _print_entry(entry, as_json)


@app.command()
def unrelate(
    claim_id: Annotated[str, typer.Argument(help="The first claim.")],
    kind: Annotated[str, typer.Argument(help="The kind of the relation to withdraw.")],
    other_id: Annotated[str, typer.Argument(help="The other claim.")],
    by: ByOption,
    note: NoteOption,
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
) -> None:
    """Withdraw a relation (or reject a suggested one), recorded in the journal."""
    entry = actions.unrelate(db, claim_id, kind, other_id, by, note)
    _print_entry(entry, as_json)


@app.command()
def grade(
    claim_id: Annotated[str, typer.Argument(help="The claim to grade.")],
    credibility: Annotated[str, typer.Option(help="Admiralty information credibility, 1-6.")],
    by: ByOption,
    note: Annotated[str, typer.Option("--note", help="The grounds for the grade.")],
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
) -> None:
    """Set a claim's information credibility (Admiralty 1-6), recorded in the journal."""
    entry = actions.grade(db, claim_id, credibility, by, note)
    _print_entry(entry, as_json)


@app.command("note")
def add_note(
    claim_id: Annotated[str, typer.Argument(help="The claim.")],
    by: ByOption,
    note: Annotated[str, typer.Option("--note", help="The note.")],
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
) -> None:
    """Add a note to a claim's journal without changing anything else."""
    entry = actions.add_note(db, claim_id, by, note)
    _print_entry(entry, as_json)


@app.command()
def history(
    claim_id: Annotated[str, typer.Argument(help="The claim.")],
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
) -> None:
    """Every journal entry about a claim, oldest first."""
    rows = queries.history(db, claim_id)
    if as_json:
        _print_json(rows)
        return
    if not rows:
        out.print(f"{claim_id}: no journal entries (status as seeded: unverified)")
        return
    _print_history(rows)


def _print_history(rows: list[dict]) -> None:
    """Journal entries about a claim, oldest first, as `history` and `show` print them: one
    block per entry, so that ids and evidence are printed whole."""
    for row in rows:
        out.print(
            Text.assemble(
                (f"#{row['seq']}", "bold"),
                f"  {row['recorded_at']}  {row['actor_name']}: {row['summary']}",
            )
        )
        if row["rationale"]:
            out.print(Text(f"    reason: {row['rationale']}"))
        if row["evidence"]:
            out.print(Text(f"    evidence: {', '.join(row['evidence'])}"))


@app.command()
def audit(
    db: DbOption = DEFAULT_DB,
    head: Annotated[
        str | None,
        typer.Option(
            help="SEQ:HASH printed earlier by `ledger journal head`: also check the "
            "journal still holds that entry (catches a journal cut short)."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Recompute the journal's hash chain and check every invariant.

    Exits 0 when the journal and the tables agree, 1 naming the first bad entry otherwise.
    """
    from .audit import audit_ledger
    from .files import connect

    report, rules_summary = audit_ledger(connect(db).conn, head)
    if as_json:
        _print_json(
            {
                "ok": report.ok,
                "entries": report.entries,
                "claims": report.claims,
                "first_bad_entry": report.first_bad_seq,
                "problems": report.problems,
            }
        )
    elif report.ok:
        out.print(
            f"journal ok: {report.entries} entries, hash chain intact; "
            f"{report.claims} claims agree with it; rules: {rules_summary}"
        )
    else:
        for problem in report.problems:
            err.print(problem, markup=False, highlight=False)
        where = f"entry {report.first_bad_seq}" if report.first_bad_seq else "the tables"
        err.print(f"audit failed: first bad entry: {where}", markup=False, highlight=False)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def publish(
    out_dir: Annotated[Path, typer.Argument(help="Directory for the snapshot.")] = Path("snapshot"),
    db: DbOption = DEFAULT_DB,
    metadata: MetadataOption = None,
) -> None:
    """Cut the public snapshot: an immutable copy with a facet index for fast counts.

    Serve it with `datasette serve DIR` (read-only replicas behind a load balancer) or
    package it with `datasette package`; see the README's Publishing section.
    """
    from .publish import find_metadata
    from .publish import publish as cut

    report = cut(db, out_dir, find_metadata(metadata))
    out.print(
        f"published {report['database']} ({report['facet_values']:,} facet values indexed); "
        f"serve with: datasette serve {report['dir']}",
        highlight=False,
    )


@app.command()
def suggest(
    db: DbOption = DEFAULT_DB,
    limit: Annotated[int, typer.Option(help="Show at most this many suggestions.")] = 30,
    store: Annotated[
        bool, typer.Option("--store", help="Record them as suggested relations (journaled).")
    ] = False,
    by: Annotated[str, typer.Option("--by", help="The tool actor that stores them.")] = (
        "ledger-suggest"
    ),
    evaluate: Annotated[
        bool,
        typer.Option(
            "--evaluate",
            help="Measure precision and recall against the curated "
            "relations instead, on a tuning and a held-out split.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Suggest contradictions, corroborations, competing attributions and re-reports.

    Ranked, each with its reason. Stored suggestions wait for a fact-checker: confirm one with
    `ledger relate`, reject it with `ledger unrelate`, or use the claim page.
    """
    from .extract import suggest as suggester
    from .files import connect

    conn = connect(db).conn
    if evaluate:
        result = suggester.evaluate(conn)
        if as_json:
            _print_json(result)
            return
        table = Table(title="suggested relations against curated ones")
        for column in (
            "split",
            "curated",
            "suggested",
            "found",
            "precision",
            "precision@20",
            "recall",
            "recall@10",
            "MRR",
            "kind accuracy",
        ):
            table.add_column(column, justify="right")
        for split, r in result.items():
            table.add_row(
                split,
                *(
                    str(r[k])
                    for k in (
                        "curated",
                        "suggested",
                        "found",
                        "precision",
                        "precision_at_20",
                        "recall",
                        "recall_at_10",
                        "mrr",
                        "kind_accuracy",
                    )
                ),
            )
        out.print(table)
        return
    found = suggester.suggest(conn)[:limit]
    conn.close()
    if store:
        suggester.store(db, found, by)
    if as_json:
        _print_json([s.as_dict() for s in found])
        return
    table = Table()
    for column in ("score", "claim", "kind", "other claim", "why"):
        table.add_column(column)
    for s in found:
        table.add_row(f"{s.score:.2f}", s.claim, s.kind, s.other, s.reason)
    out.print(table)
    if store:
        out.print(f"stored {len(found)} suggestions as suggested relations", highlight=False)


export_app = typer.Typer(
    help="Write the ledger out: ClaimReview JSON-LD or JSON lines.", no_args_is_help=True
)
import_app = typer.Typer(
    help="Read ClaimReview JSON-LD or a JSON lines backup.", no_args_is_help=True
)
app.add_typer(export_app, name="export")
app.add_typer(import_app, name="import")
OutOption = Annotated[Path | None, typer.Option("--out", help="File to write (default: stdout).")]


@export_app.command("claimreview")
def export_claimreview(
    db: DbOption = DEFAULT_DB,
    out_file: OutOption = None,
    base_url: Annotated[str, typer.Option(help="Where the ledger is published.")] = (
        "http://127.0.0.1:8001"
    ),
    organization: Annotated[str, typer.Option(help="The fact-checking organisation.")] = (
        "claim-ledger"
    ),
    organization_url: Annotated[str | None, typer.Option(help="Its home page.")] = None,
) -> None:
    """schema.org ClaimReview JSON-LD for every claim with a settled status.

    Ratings (best 5, worst 1): confirmed 5 True, corroborated 4 Mostly true, disputed 2 Mostly
    false, false 1 False. Unverified, contested and unverifiable claims are not exported.
    """
    from .files import connect
    from .interchange.export import claim_reviews

    reviews = claim_reviews(connect(db).conn, base_url, organization, organization_url)
    text = json.dumps(reviews, ensure_ascii=False, indent=2) + "\n"
    if out_file is None:
        sys.stdout.write(text)
    else:
        out_file.write_text(text, encoding="utf-8")
        err.print(f"wrote {len(reviews)} ClaimReviews to {out_file}", highlight=False)


@export_app.command("jsonl")
def export_jsonl(
    db: DbOption = DEFAULT_DB,
    out_file: Annotated[Path, typer.Option("--out", help="File to write.")] = Path("ledger.jsonl"),
) -> None:
    """Every row of every table, journal included, one JSON object per line, then a manifest
    line (row counts, sha256 of the lines, journal head) that `ledger import jsonl` checks."""
    from .interchange.export import export_jsonl as write

    count = write(db, out_file)
    out.print(f"wrote {count} rows and their manifest to {out_file}", highlight=False)


@import_app.command("jsonl")
def import_jsonl(
    source: Annotated[Path, typer.Argument(help="A file written by `ledger export jsonl`.")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Restore a ledger database from JSON lines; the old file survives any error.

    Refuses a file that is empty, cut short or altered: the export ends in a manifest with
    its row counts, a sha256 of its lines and the journal head.
    """
    from .interchange.importers import import_jsonl as restore

    report = restore(source, db)
    counts = report["counts"]
    out.print(
        f"restored {db}: {sum(counts.values())} rows in {len(counts)} tables; journal head "
        f"{report['journal_head'] or '(empty)'}",
        highlight=False,
    )


@import_app.command("claimreview")
def import_claimreview(
    source: Annotated[
        Path,
        typer.Argument(help="ClaimReview JSON-LD: an object, a list, an @graph or a DataFeed."),
    ],
    seeds: SeedsOption = DEFAULT_SEEDS,
    as_json: JsonOption = False,
) -> None:
    """Turn fact checks published by others into seed files (then `ledger build`).

    Each publisher's reviews become one document whose claims carry the publisher's rating
    as their status (by its words, else by its place on the rating scale).
    """
    import datetime as dt

    from .interchange.importers import import_claimreview as read

    summary = read(source, seeds, today=dt.date.today().isoformat())
    if as_json:
        _print_json(summary)
    else:
        out.print(
            f"imported {summary['claims']} claims in {summary['documents']} documents "
            f"({summary['entities']} new entities); run `ledger build`",
            highlight=False,
        )


@app.command("add-document")
def add_document(
    source: Annotated[Path, typer.Argument(help="The article as a UTF-8 text file.")],
    outlet: Annotated[str, typer.Option(help="The publishing outlet's id (seeds/outlets.yml).")],
    title: Annotated[str, typer.Option(help="The headline.")],
    published: Annotated[str, typer.Option(help="Publication date, EDTF (2024-02-13, 2022-11?).")],
    url: Annotated[str | None, typer.Option(help="Where it was published.")] = None,
    doc_id: Annotated[
        str | None,
        typer.Option("--id", help="Document id (default: made from outlet, date and title)."),
    ] = None,
    author: Annotated[list[str] | None, typer.Option(help="A byline; repeat for several.")] = None,
    seeds: SeedsOption = DEFAULT_SEEDS,
) -> None:
    """Archive an article under seeds/documents/ with its sha256 and write its YAML."""
    from .extract.drafts import add_document as archive

    path = archive(seeds, source, outlet, title, published, url, doc_id, tuple(author or ()))
    out.print(
        f"wrote {path} and its text; next: ledger extract {path.with_suffix('.txt')} --format yaml",
        highlight=False,
    )


@app.command()
def extract(
    source: Annotated[Path, typer.Argument(help="A plain-text news article (UTF-8).")],
    output_format: Annotated[
        str,
        typer.Option(
            "--format", help="json: spans for scripts; yaml: a draft of the document's claims."
        ),
    ] = ("json"),
    seeds: SeedsOption = DEFAULT_SEEDS,
) -> None:
    """Propose attributed claims: source, cue and content spans, direct and indirect speech.

    With --format yaml on an archived document (see add-document), writes the draft claims
    into its YAML and new speakers into seeds/entities/, for a person to edit; `ledger check`
    accepts the draft as written. Offsets are code points of the UTF-8 text, end exclusive.
    """
    from .extract.drafts import proposals_for_file, write_draft

    if output_format == "yaml":
        summary = write_draft(seeds, source)
        out.print(
            f"drafted {summary['claims']} claims and {summary['entities']} new "
            f"speakers into {', '.join(summary['files'])}",
            highlight=False,
        )
        return
    if output_format != "json":
        raise LedgerError(f"unknown format {output_format!r} (json or yaml)")
    proposals, note = proposals_for_file(source, seeds)
    if note:
        err.print(f"note: {note}", markup=False, highlight=False)
    _print_json(proposals)


bench_app = typer.Typer(help="Benchmarks: scale (the default) and extraction quality.")
app.add_typer(bench_app, name="bench")


@bench_app.callback(invoke_without_command=True)
def bench_scale(
    ctx: typer.Context,
    claims: Annotated[int, typer.Option(help="Synthetic claims to measure on.")] = 100_000,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic ledger.")] = 1,
    runs: Annotated[int, typer.Option(help="Requests per page.")] = 20,
    workdir: Annotated[
        Path | None, typer.Option(help="Where to build (default: a temporary directory).")
    ] = None,
    out_file: Annotated[
        Path, typer.Option("--out", help="Where to write the JSON figures.")
    ] = Path("bench-results/bench.json"),
    metadata: MetadataOption = None,
    build_runs: Annotated[
        int, typer.Option(help="Builds and floors to run; the median ratio is reported.")
    ] = 1,
) -> None:
    """Build, audit, publish and serve a synthetic ledger; print and save the figures.

    Build throughput is a ratio against inserting the very same rows with executemany alone.
    Subcommand `extract` measures the claim extractor instead.
    """
    if ctx.invoked_subcommand is not None:
        return
    from .publish import find_metadata
    from .scale import bench

    metadata = find_metadata(metadata)
    figures = bench.run(
        claims,
        seed,
        workdir or bench.default_workdir(),
        runs,
        metadata,
        progress=lambda step: err.print(f"... {step}", highlight=False),
        build_runs=build_runs,
    )
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(json.dumps(figures, indent=2) + "\n")
    out.print(bench.table(figures))
    out.print(f"figures written to {out_file}", highlight=False)


@bench_app.command("load")
def bench_load(
    clients: Annotated[int, typer.Option(help="Concurrent readers.")] = 4,
    requests: Annotated[int, typer.Option(help="Requests per reader.")] = 2000,
    changes: Annotated[int, typer.Option(help="Status changes posted meanwhile.")] = 200,
    seeds: SeedsOption = DEFAULT_SEEDS,
    metadata: MetadataOption = None,
    out_file: Annotated[
        Path, typer.Option("--out", help="Where to write the JSON figures.")
    ] = Path("bench-results/load.json"),
) -> None:
    """Readers and fact-checkers at once on a real server: errors, lost entries, latency.

    Exits 1 if any response was an error, any change is missing or the audit fails.
    """
    from .publish import find_metadata
    from .scale.loadtest import run

    figures = run(seeds, find_metadata(metadata), clients, requests, changes)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(json.dumps(figures, indent=2) + "\n")
    out.print(
        f"{figures['requests']:,} requests by {clients} readers and "
        f"{figures['status_changes_posted']} status changes in {figures['seconds']} s: "
        f"{figures['requests_per_second']} requests/s, median {figures['median_ms']} ms, "
        f"p95 {figures['p95_ms']} ms; errors {figures['error_count']}; journal entries added "
        f"{figures['journal_entries_added']}; audit {'ok' if figures['audit_ok'] else 'FAILED'}",
        highlight=False,
    )
    if not figures["ok"]:
        raise typer.Exit(1)


@bench_app.command("extract")
def bench_extract(
    seeds: SeedsOption = DEFAULT_SEEDS,
    polnear: Annotated[
        Path | None,
        typer.Option(
            "--polnear", help="Also measure on PolNeAR's dev split, from a copy you fetched."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Extraction against the curated seed ledger: precision, recall, source accuracy, speed."""
    from .extract.evaluate import evaluate, evaluate_polnear

    result = evaluate(seeds)
    if polnear is not None:
        result["polnear"] = evaluate_polnear(polnear, "dev")
    if as_json:
        _print_json(result)
        return
    table = Table(title=f"ledger extract on {len(result['documents'])} seed documents")
    for column in ("claims", "curated", "found", "recall", "right source", "recall w/ source"):
        table.add_column(column, justify="right")
    for mode in ("direct", "indirect"):
        r = result[mode]
        table.add_row(
            mode,
            str(r["curated"]),
            str(r["found"]),
            f"{r['recall']:.3f}",
            f"{r['source_accuracy']:.3f}",
            f"{r['recall_with_right_source']:.3f}",
        )
    out.print(table)
    out.print(
        f"precision {result['precision']:.3f} ({result['proposals']} proposals); "
        f"{result['outlet_statements_not_sought']} outlet statements not sought; "
        f"{result['words_per_second']:,} words per second; one "
        f"{result['long_article_words']:,}-word article in "
        f"{result['long_article_seconds']:.3f} s",
        highlight=False,
    )
    if polnear is not None:
        p = result["polnear"]
        out.print(
            f"PolNeAR {p['split']} ({p['articles']} articles, {p['contents_annotated']} "
            f"contents): content P/R/F1 exact {p['exact']['precision']:.3f}/"
            f"{p['exact']['recall']:.3f}/{p['exact']['f1']:.3f}, by overlap "
            f"{p['overlap']['precision']:.3f}/{p['overlap']['recall']:.3f}/"
            f"{p['overlap']['f1']:.3f}; source accuracy {p['source_accuracy']:.3f}, cue "
            f"accuracy {p['cue_accuracy']:.3f}; {p['words_per_second']:,} words per second",
            highlight=False,
        )


journal_app = typer.Typer(help="Export the journal for version control.", no_args_is_help=True)
app.add_typer(journal_app, name="journal")


@journal_app.command("head")
def journal_head(db: DbOption = DEFAULT_DB, as_json: JsonOption = False) -> None:
    """The last entry's SEQ:HASH. Keep it somewhere else (a commit, a published page) and
    `ledger audit --head SEQ:HASH` will notice if the journal is ever cut short."""
    from .files import connect
    from .journal import head

    last = head(connect(db).conn)
    if last is None:
        raise _fail(LedgerError("the journal is empty"))
    if as_json:
        _print_json({"seq": last[0], "hash": last[1]})
    else:
        out.print(f"{last[0]}:{last[1]}", highlight=False)


@journal_app.command("export")
def journal_export(
    db: DbOption = DEFAULT_DB,
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the JSON lines.")] = (
        DEFAULT_SEEDS / "journal.jsonl"
    ),
) -> None:
    """Write fact-checkers' journal entries to seeds/journal.jsonl, so a fresh clone keeps them."""
    count = building.export_journal(db, out_file)
    out.print(f"wrote {count} entries to {out_file}", highlight=False)
