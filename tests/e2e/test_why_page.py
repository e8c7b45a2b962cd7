"""« Pourquoi ce résultat ? » in headless Chromium: from a hit to its explanation, then why not another."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import CHROMIUM, SKIP_REASON

if not CHROMIUM.exists():
    pytest.skip(SKIP_REASON, allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402  (only where the browser is installed)


def test_from_a_hit_to_its_explanation_and_why_not_another(server, page):
    page.goto(f"{server}/?q=sante+migrants+guinee&country=GN")
    page.get_by_role("link", name="Pourquoi ce résultat ?").first.click()
    expect(page).to_have_url(re.compile(r"/pourquoi\?id=002_51041fb97fa8d595&q=sante\+migrants\+guinee&country=GN$"))
    expect(page.locator("#verdict")).to_have_text("Ce document est dans les résultats : classé 1er sur 1, page 1.")
    expect(page.locator("#score-parts")).to_contain_text("« guinee »")
    page.locator("#why-id").fill("000_eb28a1afceb4708e")
    page.get_by_role("button", name="Expliquer").click()
    expect(page.locator("#verdict")).to_contain_text("Écarté par le filtre pays : il faut « Guinée »")
    assert page.errors == []
