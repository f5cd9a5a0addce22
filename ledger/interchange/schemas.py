"""JSON Schema for every seed record, generated from the pydantic models.

The files under ``schemas/`` are checked in so that editors and other tools can validate seed
files without Python; a test fails when they drift from the models.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..models import SEED_FILE_MODELS


def json_schemas() -> dict[str, str]:
    """Each schema file's name and its text, as it should be on disk."""
    files = {}
    for name, model in SEED_FILE_MODELS.items():
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://claim-ledger.invalid/schemas/{name}.schema.json"
        files[f"{name}.schema.json"] = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    return files


def write_schemas(directory: Path) -> list[Path]:
    """Write every schema file into ``directory``; return the paths written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in json_schemas().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
