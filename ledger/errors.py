"""Problems found in user input, reported with where they are, never as tracebacks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located by file and line where that is known."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "message": self.message}


class LedgerError(Exception):
    """A user mistake or refused action; the CLI prints it as one line and exits non-zero.

    ``setting`` names the input the mistake is in, in the library's words ("metadata",
    "published"), so that a front end can point at its own way of giving it: the CLI adds
    its option (`--metadata`), the web form its field.
    """

    exit_code = 1

    def __init__(self, message: str, *, setting: str | None = None):
        super().__init__(message)
        self.setting = setting


class SeedErrors(LedgerError):
    """The seeds did not validate; carries every problem found."""

    exit_code = 2

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.message))
        count = len(self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the seeds")


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def describe_error(error: dict) -> str:
    """A plain sentence for one pydantic error, naming the field."""
    loc = [str(part) for part in error["loc"] if not isinstance(part, int)]
    path = ".".join(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown field {loc[-1]!r}" if loc else "unknown field"
    if kind == "missing":
        return f"missing field {path!r}"
    message = error["msg"].removeprefix("Value error, ")
    if kind == "enum":
        return f"{path}: {error['input']!r} is not allowed; {message[0].lower()}{message[1:]}"
    return f"{path}: {message}" if path else message
