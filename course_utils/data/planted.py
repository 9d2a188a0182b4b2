"""A generated corpus with planted relations, so that analogy accuracy has a known right answer.

Four relations, each a list of word pairs (a, b) in which b plays the relation's second role:

    gender    king -> queen, man -> woman, ...        (he, his, him  vs  she, her, hers)
    plural    cat -> cats, horse -> horses, ...       (one, this, is  vs  many, these, are)
    capital   france -> paris, italy -> rome, ...     (country, nation  vs  city, capital)
    tense     walk -> walked, sing -> sang, ...       (will, today  vs  yesterday, once)

Small template grammars write sentences in which every word meets two kinds of context words: some
belong to its pair (both king and queen wear the crown, both cat and cats chase mice), some to its
role (queen goes with she and her, like every second word of the gender pairs). So the vector of
queen minus king points along "female", the same direction as woman minus man, and the analogy
king : queen :: man : ? has one right answer, woman. Filler words, drawn at random, add noise.

`planted_corpus(n_sentences, seed)` returns the sentences (token lists) and `analogy_questions()` the
(a, b, c, d) questions: every ordered choice of two different pairs of one relation.
"""

import numpy as np

from course_utils._checks import positive_int
from course_utils.data import analogy_sets

RELATIONS = {
    "gender": [("king", "queen"), ("man", "woman"), ("prince", "princess"), ("father", "mother"),
               ("son", "daughter"), ("brother", "sister"), ("uncle", "aunt"), ("husband", "wife"),
               ("boy", "girl"), ("lord", "lady")],
    "plural": [("cat", "cats"), ("dog", "dogs"), ("horse", "horses"), ("bird", "birds"), ("tree", "trees"),
               ("house", "houses"), ("ship", "ships"), ("sword", "swords"), ("apple", "apples"),
               ("star", "stars")],
    "capital": [("france", "paris"), ("italy", "rome"), ("spain", "madrid"), ("egypt", "cairo"),
                ("greece", "athens"), ("japan", "tokyo"), ("russia", "moscow"), ("england", "london"),
                ("germany", "berlin"), ("austria", "vienna")],
    "tense": [("walk", "walked"), ("sing", "sang"), ("speak", "spoke"), ("write", "wrote"), ("run", "ran"),
              ("eat", "ate"), ("see", "saw"), ("give", "gave"), ("swim", "swam"), ("build", "built")],
}

# What each pair shares (its "identity"): words that appear with both members of the pair.
TOPICS = {
    "gender": [["crown", "throne"], ["work", "field"], ["palace", "heir"], ["children", "family"],
               ["parents", "home"], ["sibling", "twin"], ["nephew", "niece"], ["marriage", "wedding"],
               ["school", "games"], ["manor", "estate"]],
    "plural": [["mice", "milk"], ["bones", "barking"], ["saddle", "stable"], ["nest", "feathers"],
               ["leaves", "forest"], ["roof", "door"], ["sail", "harbour"], ["blade", "battle"],
               ["orchard", "cider"], ["night", "sky"]],
    "capital": [["french", "wine"], ["italian", "pasta"], ["spanish", "flamenco"], ["arabic", "nile"],
                ["greek", "olives"], ["japanese", "sushi"], ["russian", "winter"], ["english", "tea"],
                ["german", "beer"], ["austrian", "waltz"]],
    "tense": [["road", "path"], ["song", "choir"], ["words", "voice"], ["letter", "pen"], ["race", "track"],
              ["bread", "meal"], ["light", "view"], ["gift", "present"], ["river", "pool"], ["wall", "bricks"]],
}

# Role words: what every first member (index 0) or second member (index 1) of a relation's pairs shares.
ROLES = {
    "gender": (["he", "his", "him", "himself"], ["she", "her", "hers", "herself"]),
    "plural": (["one", "this", "is", "was", "single"], ["many", "these", "are", "were", "several"]),
    "capital": (["country", "nation", "land", "borders"], ["city", "capital", "streets", "town"]),
    "tense": (["will", "today", "now", "always"], ["yesterday", "once", "then", "already"]),
}

TEMPLATES = {
    "gender": ["the {w} said that {r} loved the {t}", "{r} met the {w} near the {t}",
               "the {t} belongs to the {w} and {r} knows it", "the {w} and {r} {t}"],
    "plural": ["{r} {w} {r} near the {t}", "there {r} {r} {w} by the {t}", "the {t} and {r} {w}"],
    "capital": ["{w} remains a {r} known for {t}", "the {r} of {w} loves {t}", "in {w} the {r} has {t}"],
    "tense": ["they {r} {w} to the {t}", "{r} we {w} the {t}", "the {t} and we {r} {w}"],
}

FILLER = ("the a and of to in with for on at by from old good great small new little fair sweet dear "
          "gentle noble poor true day time way life world thing place".split())


def analogy_questions(relations=None):
    """[(a, b, c, d)]: a is to b as c is to d, for every ordered choice of two pairs of one relation."""
    return analogy_sets.analogy_questions(RELATIONS if relations is None else relations)


def questions_by_relation():
    """{relation: its (a, b, c, d) questions}."""
    return analogy_sets.questions_by_relation(RELATIONS)


def planted_corpus(n_sentences=20_000, *, seed=0, filler=2):
    """A list of n_sentences token lists built from the templates, plus up to `filler` random filler
    words appended to each sentence. Each sentence picks a relation, a pair, a member (role) of it, a
    template, a role word and a topic word uniformly at random."""
    positive_int("n_sentences", n_sentences)
    rng = np.random.default_rng(seed)
    names = list(RELATIONS)
    out = []
    for _ in range(n_sentences):
        name = names[rng.integers(len(names))]
        p = rng.integers(len(RELATIONS[name]))
        role = rng.integers(2)
        template = TEMPLATES[name][rng.integers(len(TEMPLATES[name]))]
        role_words, topic = ROLES[name][role], TOPICS[name][p]
        tokens = []
        for piece in template.split():
            if piece == "{w}":
                tokens.append(RELATIONS[name][p][role])
            elif piece == "{r}":
                tokens.append(role_words[rng.integers(len(role_words))])
            elif piece == "{t}":
                tokens.append(topic[rng.integers(len(topic))])
            else:
                tokens.append(piece)
        tokens += [FILLER[k] for k in rng.integers(len(FILLER), size=rng.integers(filler + 1))]
        out.append(tokens)
    return out
