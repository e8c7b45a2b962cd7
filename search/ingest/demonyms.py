"""French demonyms (`sénégalais`, `guinéennes`, `Vénézuéliens`) → the country they point to.

CLDR has no demonyms, so the table is ours: `search/data/demonyms_fr.tsv`, four forms per country
(masculine and feminine, singular and plural), every code checked against pycountry by the tests.

A demonym is read as a country only where it names people of that country: as a noun
(`les Colombiens`: capitalised and plural, as news write the people of a country), or right after
a word for people or their authorities (`migrants nigériens`, `les autorités guinéennes`). Elsewhere the
adjective is mostly a donor, an institution or a language (`le Ministère italien de l'intérieur`,
`la Commission nationale italienne`, `en français`), which is not what a news item is about.
"""

from __future__ import annotations

import csv
import functools
import re
from importlib import resources

from search.ingest.gazetteer import country_by_code
from search.ingest.name_keys import name_key
from search.ingest.places import Match

__all__ = ["PEOPLE_WORDS", "demonym_table", "find_demonyms"]

#: Folded words after which a demonym adjective names people of a country.
PEOPLE_WORDS = frozenset(
    """migrant migrante migrants migrantes refugie refugiee refugies refugiees ressortissant
    ressortissante ressortissants ressortissantes travailleur travailleuse travailleurs travailleuses
    femme femmes homme hommes enfant enfants jeune jeunes famille familles citoyen citoyenne citoyens
    citoyennes deplace deplacee deplaces deplacees victime victimes personne personnes rapatrie
    rapatriee rapatries rapatriees population populations communaute communautes autorites
    pecheur pecheurs etudiant etudiants etudiante etudiantes eleves agriculteurs civils detenus
    survivant survivante survivants survivantes diaspora expatries demandeurs""".split()
)

# A word, hyphenated compounds kept whole (`sierra-léonais`, `sud-soudanais`) and an elided
# article dropped (`d'Haïtiens`).
_WORD = re.compile(r"(?:\b[dlDL]['’])?(?P<word>[^\W\d_]+(?:-[^\W\d_]+)*)")


@functools.cache
def _rows() -> tuple[dict[str, str], ...]:
    text = resources.files("search").joinpath("data/demonyms_fr.tsv").read_text(encoding="utf-8")
    lines = (line for line in text.splitlines() if not line.startswith("#"))
    return tuple(csv.DictReader(lines, delimiter="\t"))


@functools.cache
def demonym_table() -> dict[str, str]:
    """Folded form → ISO code, from the data file."""
    table: dict[str, str] = {}
    for row in _rows():
        for column in ("masc_sg", "fem_sg", "masc_pl", "fem_pl"):
            table.setdefault(name_key(row[column]), row["code"])
    return table


@functools.cache
def _plural_forms() -> frozenset[str]:
    return frozenset(name_key(row[column]) for row in _rows() for column in ("masc_pl", "fem_pl"))


def _noun(word: str, key: str) -> bool:
    """`les Colombiens`: capitalised and plural, as news write the people of a country; a capitalised
    singular is as often a word of a title in title case (`Un Projet Malien`)."""
    return word[0].isupper() and key in _plural_forms()


def find_demonyms(text: str, *, people_only: bool = True) -> list[Match]:
    """Demonyms of `text` that name people of a country, in order, as matches on `text`.

    `people_only=False`: every demonym, adjectives of institutions included (`gouvernement japonais`).
    """
    table = demonym_table()
    found: list[Match] = []
    previous = ""
    for match in _WORD.finditer(text):
        word = match["word"]
        key = name_key(word)
        code = table.get(key)
        if code is not None and (not people_only or previous in PEOPLE_WORDS or _noun(word, key)):
            found.append(Match(match.start("word"), match.end("word"), country_by_code(code)))
        previous = key
    return found
