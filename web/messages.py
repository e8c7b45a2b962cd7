"""French text of the errors a person can make in a search, from the error's code and parameters.

The JSON API answers the English message of `search.errors`; the HTML pages say the same thing
in French, written here once per code (never translated from the English text).
"""

from __future__ import annotations

from babel.numbers import format_decimal

from search import MAX_DEPTH, SORTS, SearchError

#: Parameter names as the page calls them.
PARAMETER_NAMES = {
    "page": "numéro de page",
    "per_page": "résultats par page",
    "year": "année",
    "year_from": "année de début",
    "year_to": "année de fin",
    "active_year": "année « en cours en »",
    "active_from": "début de la période « en cours »",
    "active_to": "fin de la période « en cours »",
    "kind": "type de page",
    "country": "pays",
    "type": "type de projet",
    "status": "statut",
}

SORT_LABELS = {"relevance": "Pertinence", "newest": "Plus récents", "budget": "Budget"}

#: By code, or by (code, parameter name) where one parameter deserves its own sentence.
FRENCH: dict[str | tuple[str, str], str] = {
    "not_text": "Le paramètre {name} doit être du texte.",
    "query_too_long": "La recherche est trop longue ({length} caractères, {limit} au plus).",
    "text_too_long": "Le texte est trop long ({length} caractères, {limit} au plus).",
    "unknown_sort": "Tri inconnu « {value} » : choisissez {sorts}.",
    "per_page_out_of_range": "Le nombre de résultats par page doit être compris entre 1 et {limit}.",
    "page_too_small": "Le numéro de page doit être 1 ou plus.",
    "page_too_deep": "Page trop lointaine : les résultats s’arrêtent au {max_depth}e. Affinez la recherche.",
    "not_a_year": "Indiquez une année comme 2021 pour {name}.",
    "range_reversed": "L’année de début ({low}) est après l’année de fin ({high}).",
    "not_a_flag": "Le paramètre {name} vaut 1 ou 0.",
    ("not_a_flag", "understand"): "Le paramètre understand vaut 1 (filtres reconnus) ou 0 (texte exact).",
    "too_many_values": "Trop de valeurs pour {name} ({limit} au plus).",
    "not_a_whole_number": "« {value} » n’est pas un nombre entier ({name}).",
    "out_of_range": "Valeur hors limites pour {name}.",
    "unknown_country": "Pays inconnu « {value} » : indiquez un nom français (Guinée) ou un code ISO (GN).",
    "id_required": "Indiquez l’identifiant du document à expliquer.",
}


def number_fr(value: float | int) -> str:
    """A number written the French way: ``300 000``, ``1 234,5``."""
    return format_decimal(value, locale="fr_FR")


def sort_choices() -> str:
    labels = [f"« {SORT_LABELS[s].lower()} »" for s in SORTS]
    return ", ".join(labels[:-1]) + " ou " + labels[-1]


def french_message(error: SearchError) -> str:
    """What went wrong, said in French for the page."""
    name = error.params.get("name")
    template = FRENCH.get((error.code, str(name))) or FRENCH.get(error.code)
    if template is None:
        return f"Paramètres de recherche invalides ({error})."
    params = {**error.params, "sorts": sort_choices(), "max_depth": number_fr(MAX_DEPTH)}
    if name is not None:
        params["name"] = PARAMETER_NAMES.get(name, name)
    return template.format(**params)
