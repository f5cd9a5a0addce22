"""Seeds in, database out: the one function the CLI, the server and the tests call to build."""

from __future__ import annotations

import sys
from pathlib import Path

from .errors import LedgerError
from .seeds import Ledger, load_seeds
from .store import Progress, build_database


def check(seeds_dir: Path) -> Ledger:
    """Load and validate the seeds; raise SeedErrors with every problem."""
    return load_seeds(Path(seeds_dir))


def build(seeds_dir: Path, db_path: Path, progress: Progress | None = None) -> dict:
    """Validate the seeds and build them into ``db_path``; the old file survives any error."""
    ledger = load_seeds(Path(seeds_dir))
    build_database(ledger, Path(db_path), progress)
    return {"db": str(db_path), "seeds": str(seeds_dir), "counts": ledger.counts()}


def needs_build(seeds_dir: Path, db_path: Path) -> bool:
    """Whether the database is missing or older than any file in the seeds."""
    db_path, seeds_dir = Path(db_path), Path(seeds_dir)
    if not db_path.exists():
        return True
    if not seeds_dir.is_dir():
        return False
    built = db_path.stat().st_mtime
    return any(p.stat().st_mtime > built for p in seeds_dir.rglob("*") if p.is_file())


def datasette_command(db_path: Path, metadata: Path, host: str, port: int) -> list[str]:
    """The Datasette command line that publishes the ledger with its metadata and plugin."""
    if not Path(metadata).is_file():
        raise LedgerError(f"{metadata}: metadata file not found (use --metadata)")
    return [
        sys.executable, "-m", "datasette", "serve", str(db_path),
        "--metadata", str(metadata), "--host", host, "--port", str(port),
    ]
