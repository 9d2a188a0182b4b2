"""Word pairs for analogy questions on the Shakespeare corpus, and the questions they make.

Each relation is a list of pairs (a, b); every ordered choice of two different pairs (a, b), (c, d)
of one relation is a question "a is to b as c is to d". The pairs were chosen by hand from words that
occur at least 25 times in the 42 works (counts checked with `nlp.vocab.Vocabulary`); Early Modern
English gives the course a relation modern analogy sets lack: thou -> you.
"""

SHAKESPEARE_RELATIONS = {
    "gender": [("king", "queen"), ("lord", "lady"), ("man", "woman"), ("father", "mother"), ("son", "daughter"),
               ("brother", "sister"), ("husband", "wife"), ("prince", "princess"), ("uncle", "aunt"),
               ("boy", "girl"), ("duke", "duchess"), ("sir", "madam"), ("master", "mistress"),
               ("gentleman", "gentlewoman"), ("he", "she"), ("his", "her"), ("himself", "herself"),
               ("god", "goddess"), ("emperor", "empress")],
    "plural": [("hand", "hands"), ("eye", "eyes"), ("word", "words"), ("friend", "friends"), ("heart", "hearts"),
               ("day", "days"), ("king", "kings"), ("lord", "lords"), ("thing", "things"), ("man", "men"),
               ("woman", "women"), ("brother", "brothers"), ("sword", "swords"), ("year", "years"),
               ("tear", "tears"), ("lip", "lips"), ("night", "nights")],
    "thou-you": [("thou", "you"), ("thy", "your"), ("thine", "yours"), ("art", "are"), ("hast", "have"),
                 ("dost", "do"), ("wilt", "will"), ("shalt", "shall")],
    "past tense": [("speak", "spoke"), ("know", "knew"), ("see", "saw"), ("come", "came"), ("give", "gave"),
                   ("take", "took"), ("go", "went"), ("make", "made"), ("tell", "told"), ("think", "thought")],
}


def analogy_questions(relations):
    """[(a, b, c, d)]: every ordered choice of two different pairs (a, b), (c, d) of one relation."""
    out = []
    for pairs in relations.values():
        out += [(a, b, c, d) for i, (a, b) in enumerate(pairs) for j, (c, d) in enumerate(pairs) if i != j]
    return out


def questions_by_relation(relations):
    """{relation: its (a, b, c, d) questions}."""
    return {name: analogy_questions({name: pairs}) for name, pairs in relations.items()}
