"""The search and document pages in headless Chromium, against the real server on the seed index."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import CHROMIUM, SKIP_REASON

if not CHROMIUM.exists():
    pytest.skip(SKIP_REASON, allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402  (only where the browser is installed)


def total(page) -> int:
    return int(re.sub(r"\D", "", page.locator("#stats strong").inner_text()))


def facet_counts(page, name: str) -> dict[str, int]:
    counts = {}
    for item in page.locator(f"#facet-{name} .facet-value").all():
        value = item.locator("input").get_attribute("value")
        counts[value] = int(re.sub(r"\D", "", item.locator(".count").inner_text()))
    return counts


def result_titles(page) -> list[str]:
    return page.locator(".result-title").all_inner_texts()


def test_typing_a_query_updates_the_results_and_the_url(server, page):
    page.goto(f"{server}/")
    assert total(page) == 5
    page.locator("#q").press_sequentially("pollution", delay=15)
    expect(page).to_have_url(re.compile(r"/\?q=pollution$"))  # a pause: the results follow
    page.locator("#q").press_sequentially(" Bichkek", delay=15)
    expect(page).to_have_url(re.compile(r"/\?q=pollution\+Bichkek$"))
    expect(page.locator(".result-title").first).to_contain_text("Bichkek")
    expect(page.locator(".result-title mark").first).to_be_visible()
    assert total(page) < 5
    assert page.locator('link[rel="alternate"]').get_attribute("href") == "/api/search?q=pollution+Bichkek"
    page.go_back()  # one burst of typing, one history entry: Back skips the half-typed query
    expect(page).to_have_url(f"{server}/")
    expect(page.locator("#q")).to_have_value("")
    expect(page.locator("#stats strong")).to_have_text("5")
    assert page.errors == []


def test_ticking_a_facet_changes_results_and_counts_and_a_chip_removes_it(server, page):
    page.goto(f"{server}/?q=migrants")
    before, years_before = total(page), facet_counts(page, "year")
    assert before >= 3
    page.locator("#facet-country input[value=KG]").check()
    expect(page).to_have_url(re.compile(r"country=KG"))
    expect(page.locator("#stats strong")).to_have_text("2")
    expect(page.locator("#facet-country input[value=KG]")).to_be_checked()
    countries = facet_counts(page, "country")
    assert countries["KG"] == 2 and countries.get("GN", 0) >= 1  # multi-select: other countries still offered
    assert facet_counts(page, "year") != years_before
    assert {c["KG"] for c in [countries]} == {2}
    chip = page.locator(".chip", has_text="Kirghizistan")
    expect(chip).to_be_visible()
    chip.click()
    expect(page).to_have_url(f"{server}/?q=migrants")
    expect(page.locator("#stats strong")).to_have_text(str(before))
    expect(page.locator(".chip")).to_have_count(0)
    assert page.errors == []


def test_going_to_page_two(server, page):
    page.goto(f"{server}/?per_page=2")
    first = result_titles(page)
    assert len(first) == 2
    page.locator('.pagination a[aria-label="Page 2"]').click()
    expect(page).to_have_url(re.compile(r"per_page=2&page=2$"))
    expect(page.locator('.pagination a[aria-current="page"]')).to_have_text("2")
    second = result_titles(page)
    assert len(second) == 2 and not set(first) & set(second)
    page.locator(".pagination a[rel=prev]").click()
    expect(page.locator('.pagination a[aria-current="page"]')).to_have_text("1")
    assert page.errors == []


def test_opening_a_document_and_a_related_one(server, page):
    page.goto(f"{server}/?q=Bichkek")
    page.locator(".result-title a").first.click()
    expect(page).to_have_url(re.compile(r"/documents/000_eb28a1afceb4708e$"))
    expect(page.locator("h1")).to_contain_text("Bichkek")
    budget = page.locator("table.metadata tr", has_text="Budget").locator("td").inner_text()
    assert re.sub(r"\s", " ", budget) == "300 000 USD"
    related = page.locator(".related-list > li > a")
    expect(related.first).to_contain_text("cohésion sociale")  # same country (Kirghizistan)
    related.first.click()
    expect(page).to_have_url(re.compile(r"/documents/001_cb2261dd374509e4$"))
    assert page.errors == []


def test_the_page_works_without_javascript(server, nojs_page):
    page = nojs_page
    page.goto(f"{server}/")
    page.locator("#q").fill("santé migrants")
    page.locator("#q").press("Enter")
    expect(page).to_have_url(re.compile(r"q=sant%C3%A9\+migrants"))
    assert total(page) >= 2
    page.locator("#facet-country input[value=KG]").check()
    page.get_by_role("button", name="Appliquer les filtres").click()
    expect(page).to_have_url(re.compile(r"country=KG"))
    assert total(page) == 2
    page.locator("#sort").select_option("newest")
    page.get_by_role("button", name="Trier").click()
    expect(page).to_have_url(re.compile(r"sort=newest"))
    assert page.locator("#sort").input_value() == "newest"


def test_keyboard_reaches_the_skip_link_then_the_search_box(server, page):
    page.goto(f"{server}/")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Aller au contenu")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator("#q")).to_be_focused()


def test_screenshots_desktop_and_phone(server, browser, page, phone_page, screenshots):
    page.goto(f"{server}/?q=migrants&year=2022")
    page.screenshot(path=screenshots / "search-desktop.png", full_page=True)
    page.goto(f"{server}/documents/002_51041fb97fa8d595")
    page.screenshot(path=screenshots / "document-desktop.png", full_page=True)
    page.goto(f"{server}/?q=zzzzqqqq")
    page.screenshot(path=screenshots / "empty-desktop.png", full_page=True)

    for url, name in [
        ("/?q=migrants&year=2022", "search-phone.png"),
        ("/documents/000_eb28a1afceb4708e", "document-phone.png"),
    ]:
        phone_page.goto(server + url)
        phone_page.screenshot(path=screenshots / name, full_page=True)
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{url} overflows a 375 px screen ({width} px)"
    phone_page.goto(f"{server}/?q=migrants")
    phone_page.locator("#filters > summary").click()
    expect(phone_page.locator("#facet-country")).to_be_visible()
    phone_page.screenshot(path=screenshots / "filters-phone.png", full_page=True)
    for name in ("search-desktop.png", "document-desktop.png", "search-phone.png", "document-phone.png"):
        assert (screenshots / name).stat().st_size > 10_000
    assert page.errors == [] and phone_page.errors == []


def test_understood_filters_are_chips_one_click_gives_the_words_back(server, page):
    page.goto(f"{server}/")
    page.locator("#q").press_sequentially("santé Bichkek 2021 projets achevés", delay=10)
    chips = page.locator(".chip-understood")
    expect(chips).to_have_count(4)
    expect(chips.first).to_contain_text("Pays Kirghizistan")
    assert total(page) == 1
    page.locator(".chip-understood", has_text="Année 2021").click()
    expect(page).to_have_url(re.compile(r"ignore=year%3A2021$"))
    expect(page.locator(".chip-understood")).to_have_count(3)
    page.locator("a.exact-text").click()
    expect(page).to_have_url(re.compile(r"understand=0"))
    expect(page.locator(".chip-understood")).to_have_count(0)
    assert total(page) > 1
    assert page.errors == []
