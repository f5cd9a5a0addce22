"""A synthetic ledger of any size, deterministic for a seed, shaped like the seed ledger.

Written as lines of ``type<TAB>JSON`` seed records (the same models the YAML seeds validate
against), in load order: outlets, actors, entities, places, then each document followed by its
claims, then relations and journal entries. The distributions follow the seed ledger: a long tail of
speakers (a few analysts quoted everywhere, most people once), about 10% anonymous sources,
relations on about 15% of claims, about 1.5 journal entries per claim, and Arabic names
transliterated with the spelling variants the reports show (Muhammad / Mohammed / Mohamed,
al- / Al- / el-, Jassim / Jasim).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
from collections.abc import Iterator
from pathlib import Path

from ..vocabulary import ClaimKind, RelationKind, Status, SubjectRole

GIVEN = [
    ("Muhammad", "Mohammed", "Mohamed"),
    ("Ahmad", "Ahmed"),
    ("Hussein", "Husayn", "Hussain"),
    ("Khaled", "Khalid"),
    ("Omar", "Umar"),
    ("Yusuf", "Youssef", "Yousef"),
    ("Ali",),
    ("Hassan", "Hasan"),
    ("Abdullah", "Abdallah"),
    ("Mahmoud", "Mahmud"),
    ("Osama", "Usama"),
    ("Jassim", "Jasim"),
    ("Ibrahim",),
    ("Mustafa", "Mostafa"),
    ("Rami",),
    ("Nidal",),
    ("Walid", "Waleed"),
    ("Samir", "Sameer"),
    ("Fadi",),
    ("Bilal",),
    ("Hamza",),
    ("Layla", "Leila"),
    ("Reham", "Riham"),
    ("Nour", "Noor"),
    ("Huda",),
    ("Aymenn", "Ayman"),
]
FAMILY = [
    ("Masalma", "Musallama"),
    ("Harfoush", "Harfush"),
    ("Zoubi", "Zubi"),
    ("Hariri",),
    ("Haj", "Hajj"),
    ("Azizi",),
    ("Qurashi", "Qurayshi"),
    ("Hashimi", "Hashemi"),
    ("Shaabin", "Shaaban"),
    ("Jeratli",),
    ("Sawadi",),
    ("Masri",),
    ("Halabi",),
    ("Baridi",),
    ("Samuri",),
    ("Awda", "Odeh"),
    ("Tamimi",),
    ("Askara",),
    ("Saban",),
    ("Qaisi", "Qaysi"),
    ("Jebbawi", "Jabawi"),
    ("Haymid", "Hamid"),
    ("Salkhadi",),
    ("Ali",),
]
ARTICLE = ("al-", "Al-", "el-")
ROLES = [
    "researcher",
    "media activist",
    "former opposition commander",
    "analyst",
    "military commander",
    "local official",
    "defected officer",
    "journalist",
]
GROUPS = ["Brigade", "Army", "Front", "Movement", "Battalion", "Council", "Committee"]
PLACES = [
    "Daraa",
    "Nawa",
    "Jassim",
    "Tafas",
    "Inkhil",
    "Busra",
    "Sanamayn",
    "Saida",
    "Deir Ezzor",
    "Raqqa",
    "Hasakah",
    "Palmyra",
    "Sukhnah",
    "Homs",
    "Idlib",
    "Aleppo",
]
WORDS = (
    "cells attacks fighters checkpoint convoy regime militias security branch settlement "
    "commanders leaders desert governorate smuggling captagon assassination raid arrest "
    "funding recruitment ambush explosion pledge emir detainees release ransom weapons "
    "tribes clans patrol village town countryside border reconciliation committee"
).split()
ANONYMOUS = [
    "a former opposition commander",
    "a local source",
    "an army defected officer",
    "a member of a settlement faction",
    "a security source",
    "a resident",
    "an official who asked not to be named",
]
CUES = [
    "said",
    "told {outlet}",
    "according to",
    "added",
    "pointed out",
    "accused",
    "denied",
    "considered",
]
STATUS_WEIGHTS = {
    Status.UNVERIFIED: 50,
    Status.CORROBORATED: 20,
    Status.CONFIRMED: 8,
    Status.CONTESTED: 8,
    Status.DISPUTED: 7,
    Status.FALSE: 4,
    Status.UNVERIFIABLE: 3,
}


def _name(rng: random.Random) -> tuple[str, list[str]]:
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    article = rng.choice(ARTICLE)
    name = f"{given[0]} {article}{family[0]}"
    variants = {f"{g} {a}{f}" for g in given for a in ARTICLE[:2] for f in family} - {name}
    return name, sorted(variants)[:4] + [f"{article}{family[0]}"]


def generate(claims: int, seed: int = 1) -> Iterator[dict]:
    """Seed records for a ledger of ``claims`` claims, in load order."""
    rng = random.Random(seed)
    n_outlets = max(3, min(400, claims // 2500))
    n_people = max(10, claims // 20)
    n_groups = max(5, claims // 200)
    n_places = max(5, min(3000, claims // 300))
    yield {"type": "actor", "id": "synth-curator", "name": "Synthetic curator", "role": "curator"}
    yield {
        "type": "actor",
        "id": "synth-checker",
        "name": "Synthetic fact-checker",
        "role": "fact-checker",
    }
    outlets = [f"outlet-{i}" for i in range(n_outlets)]
    for i, outlet in enumerate(outlets):
        yield {
            "type": "outlet",
            "id": outlet,
            "name": f"Outlet {i} News",
            "kind": rng.choice(["news-site", "monitor", "news-site", "ngo"]),
            "aliases": [f"Outlet {i}"],
        }
    people, anonymous_sources = [], []
    for i in range(n_people):
        entity_id = f"person-{i}"
        if i % 10 == 9:  # one source in ten is anonymous, and speaks one claim in ten
            description = f"{rng.choice(ANONYMOUS)} in {rng.choice(PLACES)}"
            yield {
                "type": "entity",
                "id": entity_id,
                "name": description.capitalize(),
                "kind": "anonymous",
                "description": description,
                "anonymity_reason": "Spoke on condition of anonymity for security reasons.",
            }
            anonymous_sources.append(entity_id)
        else:
            name, aliases = _name(rng)
            yield {
                "type": "entity",
                "id": entity_id,
                "name": name,
                "kind": "person",
                "aliases": aliases,
                "description": f"A {rng.choice(ROLES)}.",
            }
            people.append(entity_id)
    groups = []
    for i in range(n_groups):
        family = rng.choice(FAMILY)[0]
        yield {
            "type": "entity",
            "id": f"group-{i}",
            "name": f"{family} {rng.choice(GROUPS)}",
            "kind": rng.choice(["armed-group", "government-body", "organization"]),
            "aliases": [f"{family} {i}"],
        }
        groups.append(f"group-{i}")
    places = []
    for i in range(n_places):
        base = PLACES[i % len(PLACES)]
        yield {
            "type": "place",
            "id": f"place-{i}",
            "name": f"{base} {i}",
            "aliases": [f"{base}-{i}"],
            "latitude": round(32 + rng.random() * 5, 5),
            "longitude": round(35.5 + rng.random() * 6, 5),
            "coordinates_source": "Synthetic.",
            "coordinates_precision": "locality",
        }
        places.append(f"place-{i}")

    # A long tail of speakers: Zipf-like weights, a few quoted everywhere.
    speaker_weights = list(
        itertools.accumulate(1 / (rank + 1) ** 1.1 for rank in range(len(people)))
    )
    claim_ids: list[str] = []
    made = 0
    document_index = 0
    statuses, status_weights = zip(*STATUS_WEIGHTS.items(), strict=True)
    while made < claims:
        in_document = min(claims - made, rng.randint(4, 20))
        outlet = rng.choice(outlets)
        year = rng.randint(2015, 2024)
        month = rng.randint(1, 12)
        published = f"{year}-{month:02d}-{rng.randint(1, 28):02d}"
        doc_id = f"doc-{document_index}"
        speakers = [
            rng.choice(anonymous_sources)
            if rng.random() < 0.1
            else rng.choices(people, cum_weights=speaker_weights)[0]
            for _ in range(in_document)
        ]
        quotes = []
        for k in range(in_document):
            words = rng.sample(WORDS, rng.randint(8, 18))
            if rng.random() < 0.3:
                words.insert(rng.randrange(len(words)), str(rng.randint(2, 5000)))
            quotes.append(" ".join(words).capitalize() + f" ({doc_id}.{k})")
        text_parts, anchors, position = [], [], 0
        for quote in quotes:
            lead = f"{rng.choice(PLACES)}: "
            text_parts.append(lead + quote + ".\n\n")
            anchors.append(position + len(lead))
            position += len(lead) + len(quote) + 3
        text = "".join(text_parts)
        yield {
            "type": "document",
            "id": doc_id,
            "outlet": outlet,
            "title": f"Report {document_index} on {rng.choice(WORDS)}",
            "published": published,
            "text_file": f"{doc_id}.txt",
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
            "credit": "Synthetic text.",
            "text": text,
        }
        for k, (speaker, quote) in enumerate(zip(speakers, quotes, strict=True)):
            claim_id = f"claim-{made}"
            status = rng.choices(statuses, weights=status_weights)[0]
            cue = rng.choice(CUES).format(outlet=f"Outlet {outlet.split('-')[1]}")
            subjects = [{"entity": rng.choice(groups), "role": rng.choice(list(SubjectRole)).value}]
            if rng.random() < 0.5:
                subjects.append({"entity": rng.choice(people), "role": "mentioned"})
            claim = {
                "type": "claim",
                "id": claim_id,
                "text": f"Claim {made}: {quote}",
                "quote": quote,
                "anchor": {"start": anchors[k]},
                "speaker": speaker,
                "speaker_label": speaker,
                "cue": cue,
                "kind": rng.choice(list(ClaimKind)).value,
                "about": f"{year - rng.randint(0, 2)}-{month:02d}",
                "subjects": subjects,
                "places": rng.sample(places, k=min(len(places), rng.randint(1, 2))),
                "status": status.value,
                "document": doc_id,
                "outlet": outlet,
            }
            if rng.random() < 0.05:
                relay = rng.choice(outlets)
                claim["via"] = [{"entity": relay, "cue": "relayed by"}]
            if status is not Status.UNVERIFIED:
                evidence = [rng.choice(claim_ids)] if claim_ids else []
                claim["verification"] = {
                    "by": "synth-curator",
                    "date": published,
                    "rationale": f"Checked against {len(evidence)} other claims.",
                    "evidence": evidence or ["https://example.org/evidence"],
                }
            yield claim
            claim_ids.append(claim_id)
            made += 1
        document_index += 1

    # Relations on about 15% of claims, between nearby claims (same period, often same story).
    related = int(claims * 0.15)
    seen = set()
    for _ in range(related):
        a = rng.randrange(claims)
        b = min(claims - 1, max(0, a + rng.randint(-200, 200)))
        if a == b or (a, b) in seen or (b, a) in seen:
            continue
        seen.add((a, b))
        kind = rng.choice(list(RelationKind)).value
        yield {
            "type": "relation",
            "claim": f"claim-{a}",
            "kind": kind,
            "other": f"claim-{b}",
            "note": f"Synthetic {kind}.",
            "by": "synth-curator",
        }
    # Fact-checkers' notes bring the journal to about 1.5 entries per claim.
    verified_share = 1 - STATUS_WEIGHTS[Status.UNVERIFIED] / sum(STATUS_WEIGHTS.values())
    notes = int(claims * (1.5 - verified_share))
    for i in range(notes):
        yield {
            "type": "journal",
            "claim_id": f"claim-{rng.randrange(claims)}",
            "action": "note",
            "actor_id": "synth-checker",
            "recorded_at": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T00:00:00.000000Z",
            "rationale": f"Note {i}.",
            "evidence": [],
            "origin": "ledger",
        }


def write(path: Path, claims: int, seed: int = 1) -> int:
    """Write the synthetic ledger as JSON lines; return the number of records."""
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        for record in generate(claims, seed):
            kind = record.pop("type")
            body = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
            handle.write(f"{kind}\t{body}\n")
            count += 1
    return count
