"""Measuring the extractor against the curated seed ledger (`ledger bench extract`).

A curated claim counts as found when a proposed content span overlaps its quote by at least
half of the shorter of the two. Curated claims are split by how the document gives them:
direct (the quote sits inside quotation marks), indirect (reported speech of a named or
anonymous source) and the outlet's own statements (speaker: the outlet), which the extractor
does not try to find. A proposal is correct when it overlaps any curated claim.
"""

from __future__ import annotations

import time
from pathlib import Path

from .extract import Directory, Proposal, extract
from .seeds import Ledger, load_seeds


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    shared = min(a[1], b[1]) - max(a[0], b[0])
    return shared > 0 and shared >= 0.5 * min(a[1] - a[0], b[1] - b[0])


def claim_mode(text: str, start: int, end: int) -> str:
    """direct when the quote lies inside quotation marks in the text, else indirect."""
    before = text[:start]
    line_start = before.rfind("\n") + 1
    line = text[line_start:end]
    opened = line.count("“") - line.count("”") + (line.count('"') % 2)
    return "direct" if opened > 0 or text[max(0, start - 1) : start] in ("“", '"') else "indirect"


def evaluate(seeds_dir: Path) -> dict:
    ledger: Ledger = load_seeds(Path(seeds_dir))
    directory = Directory.from_ledger(ledger)
    outlets = {o.id for o in ledger.outlets}
    totals = {"direct": [0, 0, 0], "indirect": [0, 0, 0]}  # curated, found, right source
    proposals_total = proposals_correct = 0
    own_statements = 0
    words = 0
    seconds = 0.0
    per_document = {}
    for document in ledger.documents:
        text = document.text
        began = time.perf_counter()
        proposals = extract(text, directory)
        seconds += time.perf_counter() - began
        words += len(text.split())
        claims = [c for c in ledger.claims if c.document == document.id]
        spans = [(p.content.start, p.content.end) for p in proposals]
        correct = sum(
            any(overlaps(s, (c.anchor.start, c.anchor.end)) for c in claims) for s in spans
        )
        proposals_total += len(proposals)
        proposals_correct += correct
        doc_counts = {"proposed": len(proposals), "correct": correct}
        for claim in claims:
            if claim.speaker in outlets and not claim.via:
                own_statements += 1
                continue
            mode = claim_mode(text, claim.anchor.start, claim.anchor.end)
            totals[mode][0] += 1
            matches = [
                p
                for p in proposals
                if overlaps(
                    (p.content.start, p.content.end), (claim.anchor.start, claim.anchor.end)
                )
            ]
            if matches:
                totals[mode][1] += 1
                if any(_same_source(p, claim.speaker) for p in matches):
                    totals[mode][2] += 1
        per_document[document.id] = doc_counts
    # Speed on one long article: the five reports joined (about 11,000 words), best of 5.
    joined = "\n\n".join(d.text for d in ledger.documents)
    timings = []
    for _ in range(5):
        began = time.perf_counter()
        extract(joined, directory)
        timings.append(time.perf_counter() - began)
    result = {
        "long_article_words": len(joined.split()),
        "long_article_seconds": round(min(timings), 4),
        "precision": round(proposals_correct / proposals_total, 3) if proposals_total else 0.0,
        "proposals": proposals_total,
        "outlet_statements_not_sought": own_statements,
        "words": words,
        "words_per_second": round(words / seconds) if seconds else None,
        "documents": per_document,
    }
    for mode, (curated, found, right) in totals.items():
        result[mode] = {
            "curated": curated,
            "found": found,
            "recall": round(found / curated, 3) if curated else 0.0,
            "found_with_right_source": right,
            "recall_with_right_source": round(right / curated, 3) if curated else 0.0,
            "source_accuracy": round(right / found, 3) if found else 0.0,
        }
    return result


def _same_source(proposal: Proposal, speaker: str) -> bool:
    return proposal.speaker_entity == speaker
