"""Removal of the site's navigation block at the top of a page.

The block is the longest leading run of lines from a vocabulary of menu entries and the OIM blurb,
in French or Spanish, in the variants of the global, country and regional sites. Unknown menu-like
lines are only dropped when a known last entry (`- 2030 AGENDA`, `- Agir`, `- Données et
ressources`) follows, so real content is kept.
"""

from __future__ import annotations

import re

from search.ingest.name_keys import name_key

__all__ = ["strip_navigation"]


#: Menu entries of the iom.int navigation block, French and Spanish sites, one per line.
_NAV_VOCABULARY = """
Qui sommes nous
Qui sommes-nous
À propos
OIM Global
Structure
Structure organisationnelle
Directrice générale
Directeur général
Directrice générale adjointe chargée de la gestion et des réformes
Directrice générale adjointe chargée des opérations
Bureau du Chef de Cabinet
Bureau des partenariats, de la sensibilisation et de la communication
Bureau de la stratégie et de la performance institutionnelle
Notre travail
Ce que nous faisons
Partenariats
Où travaillons-nous
Où nous travaillons
Agir
Travailler avec nous
Engagez-vous
Données et recherche
Données et ressources
2030 Agenda
Agenda 2030
Programme 2030
Priorités transversales
Nos bureaux
Contactez-nous
Médias
Actualités
Ressources
Publications
Faire un don
Quiénes somos
Sobre la OIM
Acerca de
Estructura
Estructura organizativa
Directora General
Director General
Directora General Adjunta de Gestión y Reforma
Directora General Adjunta de Operaciones
Oficina del Jefe de Gabinete
Nuestro trabajo
Lo que hacemos
Alianzas
Asociaciones
Dónde trabajamos
Actúe
Participe
Involúcrese
Trabaje con nosotros
Trabajar con nosotros
Datos e investigación
Datos y recursos
Prioridades transversales
Sobre nosotros
Qué hacemos
Partenariados
Dónde operamos
Actúa
"""
_NAV_ENTRIES = {name_key(entry) for entry in _NAV_VOCABULARY.strip().split("\n")}
_NAV_HEADINGS = tuple(
    name_key(heading)
    for heading in ("Qui sommes nous", "Qui sommes-nous", "À propos", "Notre travail", "OIM Global")
    + ("Quiénes somos", "Acerca de", "Nuestro trabajo")
)
_BLURB_MARKERS = tuple(
    name_key(m)
    for m in (
        "fait partie du système des Nations Unies",
        "en tant que principale organisation intergouvernementale",
        "forma parte del sistema de las Naciones Unidas",
        "como principal organización intergubernamental",
        "como organización intergubernamental líder",
        "is part of the United Nations system",
    )
)
_TERMINAL_ENTRIES = {name_key(e) for e in ("2030 Agenda", "Agenda 2030", "Agir", "Données et ressources")}
_MAX_BLURB_CHARS = 700
_MAX_MENU_CHARS = 70
_MAX_NAV_LOOKAHEAD = 80  # lines between an unknown menu entry and the block's known last entry
_MIN_NAV_ENTRIES = 3  # a block without a known last entry needs this many known entries
_LATE_NAV_LOOKAHEAD = 4  # the same, once a last entry was seen (`- Données et ressources`, ...)


def _nav_key(line: str) -> str:
    return name_key(line.strip().lstrip("-•").strip())


def _is_nav_line(line: str, in_block: bool) -> bool:
    """A known menu entry, a bare `-`, or the OIM blurb glued to a menu heading."""
    stripped = line.strip()
    if stripped in ("", "-"):
        return True
    if len(stripped) > _MAX_BLURB_CHARS:
        return False
    key = _nav_key(stripped)
    if key in _NAV_ENTRIES:
        return True
    if not any(marker in key for marker in _BLURB_MARKERS):
        return False
    return in_block or key.startswith(_NAV_HEADINGS)


def _is_terminal(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith("-") and _nav_key(stripped) in _TERMINAL_ENTRIES


def _is_menu_like(line: str) -> bool:
    """Short label without sentence punctuation: an unknown menu entry of a country site."""
    stripped = line.strip().lstrip("-").strip()
    return 0 < len(stripped) <= _MAX_MENU_CHARS and not re.search(r"[.:;!?|]\s*$|\d{4}", stripped)


def _terminal_ahead(lines: list[str], start: int, window: int) -> bool:
    for line in lines[start : start + window]:
        if _is_terminal(line):
            return True
        if not (_is_nav_line(line, True) or _is_menu_like(line)):
            return False
    return False


def _unknown_menu_entry(lines: list[str], index: int, terminal_seen: bool) -> bool:
    """An entry missing from the vocabulary, inside a block already recognised by known entries.

    Before the block's first known last entry any short label qualifies if a last entry follows;
    after it only `- ` entries right before another last entry do, so a title is never taken.
    """
    line = lines[index]
    if not _is_menu_like(line):
        return False
    if terminal_seen:
        return line.lstrip().startswith("-") and _terminal_ahead(lines, index, _LATE_NAV_LOOKAHEAD)
    return _terminal_ahead(lines, index, _MAX_NAV_LOOKAHEAD)


def strip_navigation(lines: list[str]) -> list[str]:
    """Lines after the site's leading navigation block (all of them when there is none).

    The block is the longest leading run of navigation lines: known menu entries, bare `-`, the OIM
    blurb, and unknown menu-like entries once known ones were seen and a known last entry
    (`- 2030 Agenda`, ...) follows. When the run holds a last entry the block ends at the final one,
    so a page whose title happens to be a menu word keeps it.
    """
    end = 0
    last_terminal: int | None = None
    known = 0
    while end < len(lines):
        line = lines[end]
        if _is_nav_line(line, known > 0):
            known += line.strip() not in ("", "-")
        elif not (known and _unknown_menu_entry(lines, end, last_terminal is not None)):
            break
        if _is_terminal(line):
            last_terminal = end
        end += 1
    if last_terminal is not None:
        return lines[last_terminal + 1 :]
    if known >= _MIN_NAV_ENTRIES:
        return lines[end:]
    return lines  # one or two menu words at the top are a title, not a menu
