"""Fact-checkers' web accounts: an actor in the seeds and a password hash in the environment.

The password hash never goes into a file of the repository: the server reads it from the
environment variable `password_variable(actor_id)` names (`LEDGER_PASSWORD_HASH_JANE_DOE` for
`jane-doe`), so the first account on a fresh clone is one `ledger fact-checker` command and
one `export`. Hashes are datasette-auth-passwords' (pbkdf2, checked by its `verify_password`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import yaml
from datasette_auth_passwords.utils import hash_password
from pydantic import ValidationError

from .errors import LedgerError, describe_error
from .models import SLUG_PATTERN, Actor
from .seeds import add_to_seeds, load_seeds
from .vocabulary import ActorRole

PASSWORD_VARIABLE_PREFIX = "LEDGER_PASSWORD_HASH_"
MIN_PASSWORD_LENGTH = 12


def password_variable(actor_id: str) -> str:
    """The environment variable holding an actor's password hash."""
    return PASSWORD_VARIABLE_PREFIX + actor_id.upper().replace("-", "_")


def password_hashes(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every actor id with a password hash in the environment, by its variable's name.

    Actor ids are slugs (a-z, 0-9, -), so the variable's name gives the id back.
    """
    environ = os.environ if environ is None else environ
    return {
        name.removeprefix(PASSWORD_VARIABLE_PREFIX).lower().replace("_", "-"): value
        for name, value in environ.items()
        if name.startswith(PASSWORD_VARIABLE_PREFIX) and value
    }


def add_fact_checker(
    seeds_dir: Path, actor_id: str, name: str, password: str, organization: str | None = None
) -> tuple[Actor, str]:
    """Add a fact-checker to `actors.yml` (unless already there) and hash their password.

    Returns the actor and the hash to set in `password_variable(actor.id)` where the server
    runs. An actor of another role, a weak password or seeds that do not load are refused and
    nothing is written.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise LedgerError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    actor = _validated(actor_id, name, organization)
    known = {a.id: a for a in load_seeds(seeds_dir).actors}
    if actor.id in known:
        if known[actor.id].role != ActorRole.FACT_CHECKER:
            raise LedgerError(
                f"{actor.id} is already an actor with the role {known[actor.id].role.value}; "
                "choose another id"
            )
        actor = known[actor.id]
    else:
        path = Path(seeds_dir) / "actors.yml"
        entry = actor.model_dump(mode="json", exclude_none=True)
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        if text and not text.endswith("\n"):
            text += "\n"
        text += "\n" + yaml.safe_dump([entry], allow_unicode=True, sort_keys=False)
        add_to_seeds(seeds_dir, {path: text.encode("utf-8")})
    return actor, hash_password(password)


def _validated(actor_id: str, name: str, organization: str | None) -> Actor:
    if not re.fullmatch(SLUG_PATTERN, actor_id):
        raise LedgerError(
            f"{actor_id!r} cannot be an actor id: use lowercase letters, digits and single "
            "hyphens, e.g. jane-doe"
        )
    try:
        return Actor(id=actor_id, name=name, role=ActorRole.FACT_CHECKER, organization=organization)
    except ValidationError as error:
        raise LedgerError("; ".join(describe_error(e) for e in error.errors())) from None
