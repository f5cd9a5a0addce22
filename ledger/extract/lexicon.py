"""Words the extractor knows: reporting verbs and their forms, titles, kinds of speakers.

The pipeline runs without spaCy's lemmatizer (it costs a third of the parsing time), so the
reporting verbs carry their own inflected forms.
"""

from __future__ import annotations

import re

ANONYMITY = re.compile(
    r"(?:whose name [^,.]*withheld[^,.]*|on condition of anonymity[^,.]*|"
    r"(?:who )?(?:asked|requested|preferred) not to be (?:named|identified)[^,.]*|"
    r"(?:who )?spoke on condition[^,.]*|speaking anonymously[^,.]*)"
)
"""A source's stated reason for not being named."""

# Reporting verbs whose content is a clause or a quotation: "said (that) ...", "warned ...".
CLAUSE_VERBS = frozenset(
    """say tell add note explain write tweet post report state claim argue insist warn announce
    declare reveal acknowledge admit confirm suggest predict estimate believe think feel fear
    hope expect know learn recall stress emphasize assert maintain contend reply respond answer
    ask wonder conclude continue observe reiterate repeat complain concede agree allege vow
    pledge promise indicate show mention testify joke quip doubt worry caution speculate
    guess assure remind recount describe urge demand propose recommend hint imply concur
    counter retort lament boast brag signal charge clarify disclose divulge confide grant
    proclaim affirm remark exclaim shout chant email read recognize realize understand
    remember decide determine consider see view want plan intend seek refuse decline offer
    threaten encourage request order push acknowledge predict relay""".split()
)
# Verbs whose content may be their object: "denied the report", "blamed the regime", and
# stances PolNeAR counts as attribution ("endorsed Cruz"), which drafting leaves out.
OBJECT_VERBS = frozenset(
    """deny accuse blame condemn criticize criticise praise slam blast attack defend dismiss
    reject question denounce decry welcome call cite quote dispute refute downplay endorse
    support oppose back favor favour prefer mock ridicule thank highlight list compare portray
    express discuss name publish share point talk speak refer focus comment announce confirm
    reveal report acknowledge admit predict estimate claim describe mention recall tweet post
    write offer propose recommend demand request order promise pledge threaten rule find vote
    echo tout hail assail applaud rail deem""".split()
)
# What a finding is published in: "In a poll last month, Cruz led by ten points".
FINDINGS = frozenset("poll polls survey surveys study studies".split())
# What may "find" something without a "that": "A survey found the port had lost"; people
# finding "the market closed" only saw it.
FINDERS = FINDINGS | frozenset(
    """report analysis review investigation audit paper research data records inquiry
    probe panel committee""".split()
)
# Verbs a thing can do to a statement: "..., which indicates that": an inference, nobody's
# report, when "which" stands for a thing rather than for someone who speaks.
INFERENCES = frozenset("indicate indicates indicated show shows showed suggest suggests".split())
INFERENCES |= frozenset("suggested mean means meant imply implies implied signal signals".split())
# Verbs that pass on what someone else said: "relayed from a source that ...": the one
# named after "from" is the source.
RELAYING = frozenset("relay relays relayed quote quotes quoted hear heard learn learned".split())
# Verbs by which a second speaker says the same: "..., which Abu Ishaq echoed".
ECHOING = frozenset("echo echoes echoed repeat repeats repeated second seconded".split())
# Verbs that ask rather than state: "asked whether ...". PolNeAR counts the question; a
# draft leaves it out, as there is nothing in it to check.
QUESTIONS = frozenset("ask wonder question".split())
# Verbs of thought and intention: without a subject to hold them, nobody is reported.
THOUGHT = frozenset(
    """know see expect consider understand realize remember recognize decide want guess
    believe think feel fear hope doubt wonder plan intend seek view determine""".split()
)
# Verbs whose object is the person addressed or the thing perceived, never a content.
NO_OBJECT = frozenset(
    """tell ask remind assure urge encourage warn thank see know feel understand realize
    remember recognize find""".split()
)
CUE_LEMMAS = CLAUSE_VERBS | OBJECT_VERBS
# Verbs that hedge a statement nobody is quoted for ("The team appeared paralyzed", "Trump is
# expected to win", "is seen as a bully", "is considered a favourite"): PolNeAR counts the
# statement, without the verb, as an attributed content. ("is known as" too, but it names a
# thing rather than claim anything.)
HEDGES = frozenset("seem seems seemed seeming appear appears appeared appearing".split())
PASSIVE_HEDGES = frozenset("expected seen considered viewed regarded deemed".split())
# Nouns that report, with the prepositions that introduce what they report: "her criticism
# of X", "his decision to run" (an infinitive or "that" clause needs no preposition).
NOMINAL_REPORTS = {
    **dict.fromkeys("criticism criticisms attack attacks".split(), ("of", "on")),
    **dict.fromkeys("support endorsement backing praise".split(), ("for", "of")),
    **dict.fromkeys("defense defence rejection condemnation".split(), ("of",)),
    **dict.fromkeys("opposition".split(), ("to",)),
    **dict.fromkeys(
        """decision decisions call calls claim claims warning warnings promise promises
        pledge denial accusation accusations assertion insistence refusal demand demands
        threat threats vow plan proposal proposals suggestion
        prediction recommendation argument belief view concern concerns hope desire
        announcement remarks comments""".split(),
        ("of", "for", "about"),
    ),
}
# Adverbs that pass on what others say without naming them: "X reportedly met Y".
HEARSAY = frozenset("reportedly allegedly purportedly supposedly".split())

IRREGULAR = {
    "say": ("said",),
    "tell": ("told",),
    "write": ("wrote", "written"),
    "think": ("thought",),
    "feel": ("felt",),
    "know": ("knew", "known"),
    "show": ("shown",),
    "speak": ("spoke", "spoken"),
    "read": (),
    "see": ("saw", "seen"),
    "seek": ("sought",),
    "find": ("found",),
    "understand": ("understood",),
}


def _forms(lemma: str) -> set[str]:
    """The inflected forms of an English verb: regular rules, then the irregular forms."""
    forms = {lemma, third_person(lemma), *IRREGULAR.get(lemma, ())}
    consonant_y = lemma.endswith("y") and lemma[-2] not in "aeiou"
    if lemma.endswith("ee"):
        past, ing = lemma + "d", lemma + "ing"
    elif lemma.endswith("e"):
        past, ing = lemma + "d", lemma[:-1] + "ing"
    elif consonant_y:
        past, ing = lemma[:-1] + "ied", lemma + "ing"
    elif lemma in DOUBLING:
        past, ing = lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"
    else:
        past, ing = lemma + "ed", lemma + "ing"
    if lemma not in IRREGULAR or lemma == "show":
        forms.add(past)
    forms.add(ing)
    return forms


def third_person(lemma: str) -> str:
    """ "says", "denies", "blames": the form a restatement uses."""
    if lemma.endswith(("s", "sh", "ch", "x", "z", "o")):
        return lemma + "es"
    if lemma.endswith("y") and lemma[-2] not in "aeiou":
        return lemma[:-1] + "ies"
    return lemma + "s"


DOUBLING = frozenset("admit regret commit refer".split())
LEMMA = {form: lemma for lemma in sorted(CUE_LEMMAS) for form in _forms(lemma)}
"""Inflected form (lower case) to reporting verb."""

# Subjects that are nobody in particular: a generalisation, not a speaker.
NOBODY = frozenset("nobody none neither".split()) | {"no one"}
QUANTIFIERS = frozenset(
    "few many some most others all everyone everybody anyone anybody someone somebody".split()
)
# Bare plurals that, with a present-tense cue ("Analysts say"), state a commonplace.
GENERIC_PLURALS = frozenset(
    """analysts experts observers critics commentators people scholars historians economists
    pundits researchers americans syrians many""".split()
)

# Words before a name that are its bearer's title or role, not part of the name.
TITLES = frozenset(
    """mr mrs ms miss dr prof professor sir dame lord lady president vice prime minister
    secretary senator sen rep representative gov governor mayor judge justice chief general
    gen lt lieutenant col colonel maj major capt captain brig brigadier sgt sergeant cmdr
    commander admiral adm sheikh shaykh imam emir king queen prince princess pope rev reverend
    father ambassador envoy spokesman spokeswoman spokesperson chairman chairwoman chair
    director leader deputy foreign interior defense defence justice health finance state
    former late first lady coach officer analyst researcher journalist activist lawyer expert
    candidate nominee speaker senior acting assistant associate editor correspondent
    commissioner attorney councillor councilor minister's""".split()
)

# Roles that can stand for one another when a report refers back: "the researcher" for the
# expert it just quoted.
ROLE_CLASSES = tuple(
    frozenset(group.split())
    for group in (
        "researcher expert analyst specialist scholar academic professor observer",
        "official officer spokesman spokeswoman spokesperson commander leader general colonel",
        "activist journalist correspondent reporter witness resident",
        "source member fighter",
        "minister governor mayor president senator",
        "lawyer judge prosecutor attorney",
        "doctor nurse medic",
    )
)
ALL_ROLES = frozenset().union(*ROLE_CLASSES)
OFFICES = frozenset(
    "minister governor mayor president senator lawyer judge prosecutor attorney doctor".split()
)
"""Roles that are offices: "the governor" names one, never just the last speaker."""

# Head nouns naming an organisation, and the entity kind they make.
ORGANISATION_NOUNS = {
    "government-body": """ministry government army police office department council
        commission court parliament presidency cabinet agency embassy authority authorities
        regime administration command directorate branch forces force military navy senate
        congress house state""".split(),
    "armed-group": """brigade brigades battalion militia faction group cell cells front
        regiment legion movement""".split(),
    "media": """agency newspaper channel network television radio outlet times post news
        observatory""".split(),
    "organization": """organization organisation institute centre center foundation committee
        party campaign union association coalition company corporation university watch
        network""".split(),
}
ORGANISATION_KIND = {
    noun: kind for kind, nouns in reversed(ORGANISATION_NOUNS.items()) for noun in nouns
}
