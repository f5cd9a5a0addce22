"""Reading YAML with the line of every value, so errors can say where they are."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import Problem, display_path

Location = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """A safe loader with YAML 1.2 habits: dates stay text (EDTF is parsed by the models),
    and only true/false are booleans, so a key like `on:` stays the word "on"."""


_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_BOOL = "tag:yaml.org,2002:bool"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_TIMESTAMP, _BOOL)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass
class YamlFile:
    """A parsed YAML file: its data and the 1-based line of each value by location."""

    path: Path
    data: object = None
    lines: dict[Location, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def name(self) -> str:
        return display_path(self.path)

    def line_of(self, loc: Location) -> int | None:
        """The line of the value at ``loc``, or of its nearest enclosing value."""
        loc = tuple(loc)
        while loc not in self.lines and loc:
            loc = loc[:-1]
        return self.lines.get(loc)

    def problem(self, loc: Location, message: str) -> Problem:
        return Problem(self.name, self.line_of(loc), message)


def read_yaml(path: Path, content: bytes | None = None) -> YamlFile:
    """Parse ``path`` (or ``content``, what it would hold); syntax errors and duplicate keys
    become problems, not exceptions."""
    result = YamlFile(path)
    try:
        text = (path.read_bytes() if content is None else content).decode("utf-8")
    except UnicodeDecodeError as exc:
        result.problems.append(Problem(result.name, None, f"not UTF-8 text ({exc.reason})"))
        return result
    except OSError as exc:
        result.problems.append(Problem(result.name, None, f"cannot read: {exc.strerror}"))
        return result
    try:
        loader = _Loader(text)
    except yaml.YAMLError as exc:  # e.g. a control character the YAML reader refuses
        result.problems.append(Problem(result.name, None, f"not readable as YAML: {exc}"))
        return result
    try:
        node = loader.get_single_node()
        if node is None:
            return result
        _record_lines(node, (), result)
        result.data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "cannot parse"
        result.problems.append(Problem(result.name, line, f"YAML syntax error: {what}"))
    except yaml.YAMLError as exc:
        result.problems.append(Problem(result.name, None, f"YAML error: {exc}"))
    except ValueError as exc:  # e.g. an integer of thousands of digits
        result.problems.append(Problem(result.name, None, f"YAML value refused: {exc}"))
    except _ComplexKey as exc:
        result.problems.append(
            Problem(result.name, exc.line, "a key must be a plain name, not a list or mapping")
        )
    except (RecursionError, _TooLarge) as exc:
        result.problems.append(
            Problem(
                result.name, None, f"YAML too deeply nested or too large to be a seed file ({exc})"
            )
        )
    finally:
        loader.dispose()
    return result


MAX_NODES = 200_000
"""More YAML values than this (e.g. aliases expanding exponentially) is refused."""


class _TooLarge(Exception):
    pass


class _ComplexKey(Exception):
    def __init__(self, line: int):
        super().__init__(line)
        self.line = line


def _record_lines(node: yaml.Node, loc: Location, result: YamlFile) -> None:
    if len(result.lines) > MAX_NODES:
        raise _TooLarge(f"more than {MAX_NODES:,} values")
    result.lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):  # `{[a]: 1}`: no seed field looks so
                raise _ComplexKey(line)
            key = key_node.value
            if key in seen:
                result.problems.append(
                    Problem(result.name, line, f"duplicate key {key!r} (first on line {seen[key]})")
                )
            seen[key] = line
            result.lines[(*loc, key)] = line
            _record_lines(value_node, (*loc, key), result)
            # A value's own line is the key's line: that is where a person looks.
            result.lines[(*loc, key)] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, (*loc, index), result)
