/* Recherche OIM: progressive enhancement of the server-rendered pages (the pages work without it).
 *
 * - results follow the search box as one types (debounced), facets and sort apply on change;
 *   each update fetches the same HTML page the server would render for the new URL and swaps
 *   its regions in, then records the URL with history.pushState (Back/Forward work; one burst of
 *   typing is one history entry);
 * - on a narrow screen the filter panel starts folded.
 * No inline script anywhere (CSP default-src 'self').
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 250;
  var REGIONS = ["results-region", "facets", "search-hidden"];
  var NARROW = "(max-width: 47.99rem)";

  document.documentElement.classList.add("js");

  function ready(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  ready(function () {
    var filters = document.getElementById("filters");
    if (filters && window.matchMedia && window.matchMedia(NARROW).matches) filters.open = false;

    var input = document.getElementById("q");
    var region = document.getElementById("results-region");
    var form = document.getElementById("search-form");
    if (!input || !region || !form || !window.fetch || !window.history || !window.DOMParser) return;

    var timer = null;
    // A burst of typing owns one history entry: the first result it shows is pushed, the next
    // ones replace it, so Back returns to the page before the typing, not to a half-typed word.
    var typingEntry = false;
    var controller = null;
    var generation = 0;
    var searchPath = form.getAttribute("action") || "/";

    function urlFor(params) {
      var query = params.toString();
      return searchPath + (query ? "?" + query : "");
    }

    function currentParams() {
      return new URLSearchParams(window.location.pathname === searchPath ? window.location.search : "");
    }

    function paramsOfForm(element) {
      var params = new URLSearchParams();
      new FormData(element).forEach(function (value, name) {
        if (String(value).trim() !== "") params.append(name, value);
      });
      return params;
    }

    function swap(html) {
      var fresh = new DOMParser().parseFromString(html, "text/html");
      if (!fresh.getElementById("results-region")) return false;
      var active = document.activeElement;
      var activeId = active && active.id && active !== input ? active.id : null;
      REGIONS.forEach(function (id) {
        var old = document.getElementById(id);
        var replacement = fresh.getElementById(id);
        if (old && replacement) old.replaceWith(document.importNode(replacement, true));
      });
      document.title = fresh.title;
      var alternate = document.querySelector('link[rel="alternate"]');
      var freshAlternate = fresh.querySelector('link[rel="alternate"]');
      if (alternate && freshAlternate) alternate.href = freshAlternate.getAttribute("href");
      if (activeId && document.getElementById(activeId)) document.getElementById(activeId).focus();
      var stats = document.getElementById("stats");
      var live = document.getElementById("live-status");
      if (live) live.textContent = stats ? stats.textContent.replace(/\s+/g, " ").trim() : "";
      return true;
    }

    function load(url, history) {
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      var mine = ++generation;
      document.body.classList.add("loading");
      return fetch(url, { headers: { Accept: "text/html" }, signal: controller ? controller.signal : undefined })
        .then(function (response) {
          return response.text();
        })
        .then(function (html) {
          if (mine !== generation) return;
          if (!swap(html)) {
            window.location.assign(url); // an error page (e.g. no index): show it whole
            return;
          }
          if (history && url !== window.location.pathname + window.location.search) {
            if (history === "replace") window.history.replaceState({ url: url }, "", url);
            else window.history.pushState({ url: url }, "", url);
          }
        })
        .catch(function (error) {
          if (error && error.name === "AbortError") return;
          window.location.assign(url);
        })
        .finally(function () {
          if (mine === generation) document.body.classList.remove("loading");
        });
    }

    // Typing: the current URL's state with the new query, back on page 1.
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var params = currentParams();
        var text = input.value;
        if (text.trim()) params.set("q", text);
        else params.delete("q");
        params.delete("page");
        params.delete("ignore"); // filters the previous words were kept from; new words, new reading
        load(urlFor(params), typingEntry ? "replace" : "push");
        typingEntry = true;
      }, DEBOUNCE_MS);
    });

    form.addEventListener("submit", function (event) {
      window.clearTimeout(timer);
      event.preventDefault();
      typingEntry = false;
      load(urlFor(paramsOfForm(form)), "push");
    });

    // Facets (checkboxes, year range) and sort: apply as soon as they change.
    document.addEventListener("change", function (event) {
      var target = event.target;
      var owner = target && target.form;
      if (!owner || (owner.id !== "facets-form" && owner.id !== "sort-form")) return;
      if (target.type === "number" && target.value !== "" && !target.checkValidity()) return;
      var params = paramsOfForm(owner);
      if (input.value.trim()) params.set("q", input.value);
      else params.delete("q");
      typingEntry = false;
      load(urlFor(params), "push");
    });
    document.addEventListener("submit", function (event) {
      var owner = event.target;
      if (owner.id !== "facets-form" && owner.id !== "sort-form") return;
      event.preventDefault();
      typingEntry = false;
      load(urlFor(paramsOfForm(owner)), "push");
    });

    // Links inside the results (chips, pagination, suggestion, examples) stay on this page.
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("#results-region a[href]");
      if (!link || event.defaultPrevented || event.button !== 0) return;
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      var url = new URL(link.href, window.location.href);
      if (url.origin !== window.location.origin || url.pathname !== searchPath) return;
      event.preventDefault();
      var q = url.searchParams.get("q");
      input.value = q === null ? "" : q;
      typingEntry = false;
      load(url.pathname + url.search, "push").then(function () {
        if (url.searchParams.has("page")) document.getElementById("main").focus();
      });
    });

    window.addEventListener("popstate", function () {
      var q = new URLSearchParams(window.location.search).get("q");
      input.value = q === null ? "" : q;
      typingEntry = false;
      load(window.location.pathname + window.location.search, null);
    });
  });
})();
