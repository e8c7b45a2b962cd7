"""« Pourquoi ce résultat ? » in French sentences, from an explanation's data."""

from __future__ import annotations

from search.results.explanation import MATCH_KIND_LABELS, Explanation, FilterCheck, WordPart


def _number(value: float) -> str:
    return f"{value:.2f}".replace(".", ",").replace("-", "−")


def _quoted(items) -> str:
    items = [f"« {item} »" for item in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " et " + items[-1]


def _wanted(check: FilterCheck) -> str:
    """What a filter asks for, in words: « Guinée », l’une des valeurs « A » et « B », 2019 à 2022."""
    parts = []
    if check.wanted:
        parts.append(_quoted(check.wanted) if len(check.wanted) == 1 else "l’une des valeurs " + _quoted(check.wanted))
    if check.low is not None and check.high is not None:
        parts.append(f"de {check.low} à {check.high}")
    elif check.low is not None:
        parts.append(f"{check.low} ou après")
    elif check.high is not None:
        parts.append(f"{check.high} ou avant")
    return ", ".join(parts) or "une autre valeur"


def _where(word: WordPart) -> str:
    places = []
    if word.title_tf:
        places.append(f"le titre (×{word.title_tf})")
    if word.body_tf:
        places.append(f"le texte (×{word.body_tf})")
    return " et ".join(places)


def _word_sentence(word: WordPart) -> str:
    if not word.found:
        if word.correction:
            return f"« {word.query} » (lu « {word.correction} ») n’apparaît pas dans ce document."
        return f"« {word.query} » n’apparaît pas dans ce document."
    where = _where(word) or "le document (par sa forme longue)"
    lead = f"« {word.query} »"
    if word.correction:
        lead += f", faute de frappe lue « {word.correction} »,"
    forms: list[str] = []
    for form in word.forms:
        how = ", ".join(MATCH_KIND_LABELS[s] for s in form.steps)
        text = f"« {form.text} » ({how})"
        if text not in forms and len(forms) < 4:
            forms.append(text)
    sentence = f"{lead} trouvé dans {where}"
    if forms:
        sentence += (" sous la forme " if len(forms) == 1 else " sous les formes ") + " ; ".join(forms)
    if word.via_long_form:
        sentence += " ; compté par la forme longue du sigle"
    return sentence + "."


def sentences(result: Explanation, operator: str, text_query: bool) -> list[str]:
    """The explanation said in French, one sentence a line, for the page."""
    sentences: list[str] = []
    place = f"classé {result.rank}e sur {result.total}" if result.rank else ""
    if result.rank == 1:
        place = f"classé 1er sur {result.total}"
    verdict = result.verdict
    if verdict == "shown":
        sentences.append(f"Ce document est dans les résultats : {place}, page {result.page}.")
    elif verdict == "beyond_page":
        last = result.last_shown
        line = f"Ce document est dans les résultats mais pas sur cette page : {place} (page {result.page})"
        if last and result.score is not None and last.get("score") is not None:
            line += (
                f" ; son score {_number(result.score.total)} est plus bas que celui du dernier résultat affiché"
                f" ({last['rank']}e, score {_number(last['score'])})"
            )
        elif last:
            line += f" ; le dernier résultat affiché est le {last['rank']}e"
        sentences.append(line + ".")
    elif verdict == "no_match":
        if operator == "and" and any(w.found for w in result.words):
            missing = [w.query for w in result.words if not w.found]
            sentences.append(f"Ce document n’a pas tous les mots demandés : il lui manque {_quoted(missing)}.")
        else:
            sentences.append("Ce document ne contient aucun des mots de la recherche.")
    elif verdict == "missing_phrase":
        missing = [c.text for c in result.conditions if c.kind == "phrase" and not c.passed]
        sentences.append(f"Ce document ne contient pas l’expression exacte {_quoted(missing)}.")
    elif verdict == "excluded_word":
        found = [c.text for c in result.conditions if c.kind == "excluded" and not c.passed]
        sentences.append(f"Ce document contient {_quoted(found)}, que la recherche exclut (-).")
    if not result.passes_filters:
        for check in result.filters:
            if not check.passed:
                have = ", ".join(check.document) or "aucune valeur"
                sentences.append(
                    f"Écarté par le filtre {check.label} : il faut {_wanted(check)}, le document a {have}."
                )
    if not text_query:
        order = "les plus récents d’abord" if result.sort == "newest" else "les plus gros budgets d’abord"
        sentences.append(f"Recherche sans mots : tous les documents qui passent les filtres sont listés, {order}.")
    for word in result.words:
        sentences.append(_word_sentence(word))
        if word.question_word:
            share = round(word.weight * 100)
            sentences.append(f"« {word.query} » est un mot interrogatif : il compte pour {share} % d’un mot ordinaire.")
    if result.ignored:
        sentences.append(f"Mots trop courants ignorés : {_quoted(result.ignored)}.")
    for condition in result.conditions:
        if condition.passed and condition.kind == "phrase":
            sentences.append(f"L’expression exacte « {condition.text} » est présente.")
        elif condition.passed:
            sentences.append(f"Le mot exclu « {condition.text} » est absent, comme demandé.")
    if result.score is not None:
        parts = []
        for word in result.words:
            if word.score:
                split = []
                if word.title_score:
                    split.append(f"titre {_number(word.title_score)}")
                if word.body_score > 5e-7:
                    split.append(f"texte {_number(word.body_score)}")
                parts.append(f"« {word.query} » {_number(word.score)} ({' + '.join(split)})")
        line = f"Score {_number(result.score.total)}"
        if parts:
            line += " = " + " + ".join(parts)
        if result.score.proximity_used:
            line += f" + proximité {_number(result.score.proximity)}"
        if result.score.meaning:
            line += f" + sens proche {_number(result.score.meaning)}"
        sentences.append(line + ".")
        if not result.score.proximity_used:
            sentences.append("La proximité des mots n’est pas utilisée par ce classement.")
        if result.score.coordination != 1.0:
            sentences.append(f"Facteur de coordination (part des mots trouvés) : {_number(result.score.coordination)}.")
        if result.sort != "relevance":
            sentences.append("Les résultats sont triés par date ou budget : le score ne décide pas de l’ordre.")
    for check in result.filters:
        if check.passed:
            have = ", ".join(check.document)
            sentences.append(f"Gardé par le filtre {check.label} ({_wanted(check)}) : le document a {have}.")
    return sentences
