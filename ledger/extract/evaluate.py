"""Measuring the extractor (`ledger bench extract`): on the seed ledger and on PolNeAR.

Seed ledger: a curated claim counts as found when a proposed content span overlaps its quote
by at least half of the shorter of the two. Curated claims are split by how the document gives
them: direct (the quote sits inside quotation marks), indirect (reported speech of a named or
anonymous source) and the outlet's own statements (speaker: the outlet), which the extractor
does not try to find. A proposal is correct when it overlaps any curated claim; its source is
right when one of its speakers ("Both sources", "which X echoed") is one of the claim's.

PolNeAR (attributions annotated by others, see ``extract.polnear``): every contiguous piece of
an annotated content is one span to find, as in sequence-labelling evaluations. A proposed
content matches a piece *exactly* when both cover the same words, ignoring punctuation and
quotation marks at either end, and *by overlap* under the rule above; each piece and each
proposal is matched at most once. Source and cue accuracy are measured on the pieces found:
right when the proposed span overlaps the annotated one (or both are absent).
"""

from __future__ import annotations

import time
from pathlib import Path

from ..models import Ledger
from ..seeds import load_seeds
from . import Directory, Extractor, Proposal
from .polnear import Attribution, read_split

EDGE_PUNCTUATION = " \t\n,.;:!?—–-“”\"‘’'()[]…"


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
    """Recall by kind of speech, source accuracy, precision and speed on the seed ledger."""
    ledger: Ledger = load_seeds(Path(seeds_dir))
    directory = Directory.from_ledger(ledger)
    extractor = Extractor(directory)
    outlets = {o.id for o in ledger.outlets}
    totals = {"direct": [0, 0, 0], "indirect": [0, 0, 0]}  # curated, found, right source
    proposals_total = proposals_correct = 0
    own_statements = 0
    words = 0
    seconds = 0.0
    per_document = {}
    for document in ledger.documents:
        text = document.text
        began = time.process_time()
        proposals = extractor.extract(text)
        seconds += time.process_time() - began
        words += len(text.split())
        claims = [c for c in ledger.claims if c.document == document.id]
        spans = [(p.content.start, p.content.end) for p in proposals]
        correct = sum(
            any(overlaps(s, (c.anchor.start, c.anchor.end)) for c in claims) for s in spans
        )
        proposals_total += len(proposals)
        proposals_correct += correct
        per_document[document.id] = {"proposed": len(proposals), "correct": correct}
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
                # right when one of the proposal's speakers is one of the claim's
                if any({p.speaker_entity, *p.also_said_by} & set(claim.speakers) for p in matches):
                    totals[mode][2] += 1
    # Speed on one long article: the five reports joined (about 11,000 words), best of 3.
    joined = "\n\n".join(d.text for d in ledger.documents)
    timings = []
    for _ in range(3):
        began = time.process_time()
        extractor.extract(joined)
        timings.append(time.process_time() - began)
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
            "recall": _ratio(found, curated),
            "found_with_right_source": right,
            "recall_with_right_source": _ratio(right, curated),
            "source_accuracy": _ratio(right, found),
        }
    return result


# -- PolNeAR -------------------------------------------------------------------------------


def trim(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """The span without punctuation, quotation marks and blanks at either end."""
    start, end = span
    while start < end and text[start] in EDGE_PUNCTUATION:
        start += 1
    while end > start and text[end - 1] in EDGE_PUNCTUATION:
        end -= 1
    return start, end


def content_pieces(text: str, attribution: Attribution) -> list[tuple[int, int]]:
    """An annotated content's contiguous pieces, trimmed; pieces only blanks apart are one."""
    pieces: list[list[int]] = []
    for start, end in attribution.content:
        if pieces and not text[pieces[-1][1] : start].strip():
            pieces[-1][1] = max(pieces[-1][1], end)
        else:
            pieces.append([start, end])
    trimmed = [trim(text, (start, end)) for start, end in pieces]
    return [(start, end) for start, end in trimmed if end > start]


def _match(predicted, gold, same) -> dict[int, int]:
    """Greedy one-to-one matching: predicted index -> gold index."""
    matched, used = {}, set()
    for i, p in enumerate(predicted):
        for j, g in enumerate(gold):
            if j not in used and same(p, g):
                matched[i] = j
                used.add(j)
                break
    return matched


def _any_overlap(span: tuple[int, int] | None, pieces) -> bool:
    if span is None:
        return not pieces
    return any(overlaps(span, piece) for piece in pieces)


def evaluate_polnear(root: Path, split: str = "dev", limit: int | None = None) -> dict:
    """Content P/R/F1 (exact and by overlap), source and cue accuracy, speed on PolNeAR."""
    extractor = Extractor()
    counts = {"gold": 0, "proposed": 0, "exact": 0, "overlap_pred": 0, "overlap_gold": 0}
    source_right = cue_right = 0
    words = 0
    seconds = 0.0
    articles = 0
    for article in read_split(Path(root), split):
        if limit is not None and articles >= limit:
            break
        articles += 1
        text = article.text
        began = time.process_time()
        proposals = extractor.extract(text)
        seconds += time.process_time() - began
        words += len(text.split())
        gold = [
            (piece, attribution)
            for attribution in article.attributions
            for piece in content_pieces(text, attribution)
        ]
        predicted = [
            (span, proposal)
            for proposal in proposals
            for span in (trim(text, (piece.start, piece.end)) for piece in proposal.pieces())
            if span[1] > span[0]
        ]
        counts["gold"] += len(gold)
        counts["proposed"] += len(predicted)
        spans_p, spans_g = [p for p, _ in predicted], [g for g, _ in gold]
        counts["exact"] += len(_match(spans_p, spans_g, lambda a, b: a == b))
        by_overlap = _match(spans_p, spans_g, overlaps)
        counts["overlap_pred"] += len(by_overlap)
        counts["overlap_gold"] += len(set(by_overlap.values()))
        for i, j in by_overlap.items():
            proposal: Proposal = predicted[i][1]
            attribution = gold[j][1]
            source = (proposal.source.start, proposal.source.end) if proposal.source else None
            cue = (proposal.cue.start, proposal.cue.end) if proposal.cue else None
            source_right += _any_overlap(source, attribution.source)
            cue_right += _any_overlap(cue, attribution.cue)
    exact_p = _ratio(counts["exact"], counts["proposed"])
    exact_r = _ratio(counts["exact"], counts["gold"])
    over_p = _ratio(counts["overlap_pred"], counts["proposed"])
    over_r = _ratio(counts["overlap_gold"], counts["gold"])
    found = counts["overlap_gold"]
    return {
        "split": split,
        "articles": articles,
        "contents_annotated": counts["gold"],
        "contents_proposed": counts["proposed"],
        "exact": {"precision": exact_p, "recall": exact_r, "f1": _f1(exact_p, exact_r)},
        "overlap": {"precision": over_p, "recall": over_r, "f1": _f1(over_p, over_r)},
        "source_accuracy": _ratio(source_right, found),
        "cue_accuracy": _ratio(cue_right, found),
        "words": words,
        "words_per_second": round(words / seconds) if seconds else None,
    }


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0


def _f1(precision: float, recall: float) -> float:
    return round(2 * precision * recall / (precision + recall), 3) if precision + recall else 0.0
