"""Reading PolNeAR, a corpus of news articles annotated with attributions by others.

PolNeAR (Edward Newell et al., LREC 2018; github.com/networkdynamics/PolNeAR) gives, for each
article of its ``train``, ``dev`` and ``test`` splits, the text (``<split>/text/NAME.txt``) and
one or more annotators' attributions in brat standoff format
(``<split>/attributions/NAME_<annotator>.ann``): ``T`` lines are spans (``Source``, ``Cue``,
``Content``; a span may be cut in pieces, ``start end;start end``) and ``E`` lines tie one
attribution's spans together. The texts belong to their publishers, so the ledger never
ships them: the bench reads a copy the user fetched.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import LedgerError

Pieces = tuple[tuple[int, int], ...]
"""A span as PolNeAR gives it: one or more (start, end) pieces, end exclusive."""

ROLES = ("Source", "Cue", "Content")


@dataclass(frozen=True)
class Attribution:
    """One annotated attribution: its content, cue and source (a source may be absent)."""

    content: Pieces
    cue: Pieces = ()
    source: Pieces = ()


@dataclass
class Article:
    name: str
    text: str
    attributions: list[Attribution] = field(default_factory=list)


def split_dir(root: Path, split: str) -> Path:
    """The directory of one split, given PolNeAR's root, its ``data`` folder or the split."""
    root = Path(root)
    for candidate in (root / "data" / split, root / split, root):
        if (candidate / "text").is_dir() and (candidate / "attributions").is_dir():
            if candidate == root and root.name != split:
                continue
            return candidate
    raise LedgerError(
        f"{root}: no PolNeAR {split!r} split here (looked for data/{split}/text and "
        f"data/{split}/attributions)"
    )


def parse_ann(content: str) -> list[Attribution]:
    """The attributions in one brat standoff file."""
    spans: dict[str, tuple[str, Pieces]] = {}
    events: list[dict[str, str]] = []
    for line in content.splitlines():
        if line.startswith("T"):
            parts = line.split("\t")
            if len(parts) < 2:
                continue
            label, _, offsets = parts[1].partition(" ")
            pieces = tuple(
                (int(start), int(end))
                for start, end in (piece.split() for piece in offsets.split(";"))
            )
            spans[parts[0]] = (label, pieces)
        elif line.startswith("E"):
            parts = line.split("\t")
            if len(parts) < 2:
                continue
            events.append(dict(arg.split(":", 1) for arg in parts[1].split() if ":" in arg))
    attributions = []
    for event in events:
        pieces: dict[str, list[tuple[int, int]]] = {role: [] for role in ROLES}
        for role, span_id in event.items():
            base = role.rstrip("0123456789")
            if base in pieces and span_id in spans:
                pieces[base].extend(spans[span_id][1])
        if pieces["Content"]:
            attributions.append(
                Attribution(
                    content=tuple(sorted(pieces["Content"])),
                    cue=tuple(sorted(pieces["Cue"])),
                    source=tuple(sorted(pieces["Source"])),
                )
            )
    return attributions


def read_split(root: Path, split: str) -> Iterator[Article]:
    """Every article of a split, with the first annotator's attributions (by file name)."""
    if split == "test":
        raise LedgerError("PolNeAR's test split is held out: the bench reads train or dev only")
    directory = split_dir(root, split)
    annotations: dict[str, Path] = {}
    for path in sorted((directory / "attributions").glob("*.ann")):
        name = path.stem.rsplit("_", 1)[0]
        annotations.setdefault(name, path)
    for text_path in sorted((directory / "text").glob("*.txt")):
        ann = annotations.get(text_path.stem)
        if ann is None:
            continue
        text = text_path.read_bytes().decode("utf-8")
        yield Article(text_path.stem, text, parse_ann(ann.read_text(encoding="utf-8")))
