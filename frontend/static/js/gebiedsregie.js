/* Gebiedsregie: shared helpers of the map pages (API calls, DOM building, formats, colours).
 * Plain scripts, no build step: each file adds to the global `Gebiedsregie`. */
"use strict";

window.Gebiedsregie = window.Gebiedsregie || {};

(function (G) {
  const GETAL = new Intl.NumberFormat("nl-NL", { maximumFractionDigits: 0 });
  const GETAL_1 = new Intl.NumberFormat("nl-NL", { maximumFractionDigits: 1 });
  const GETAL_2 = new Intl.NumberFormat("nl-NL", {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });

  /** Hectares as Dutch text: 1.234 ha, 12,5 ha below 100. */
  G.ha = function (value) {
    if (value == null) return "–";
    return `${(Math.abs(value) < 100 ? GETAL_1 : GETAL).format(value)} ha`;
  };
  G.getal = (value) => (value == null ? "–" : GETAL.format(value));
  G.getal2 = (value) => (value == null ? "–" : GETAL_2.format(value));
  G.procent = (part, whole) => (whole ? `${GETAL.format((100 * part) / whole)}%` : "–");

  /** Build an element. Text is always set as text, never parsed as HTML. */
  G.el = function (tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value == null || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else if (key === "style") Object.assign(node.style, value);
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child == null || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  };

  /** Escape text for the few Leaflet APIs that only take HTML strings (layer control). */
  G.escape = function (text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML.replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  };

  /** An API failure, with the problem+json body (RFC 9457) when there is one. */
  class ApiError extends Error {
    constructor(status, problem) {
      super((problem && (problem.detail || problem.title)) || `Fout ${status}`);
      this.status = status;
      this.problem = problem || {};
      this.errors = (problem && problem.errors) || [];
    }
  }
  G.ApiError = ApiError;

  // Who is logged in, from the page's meta tags (basis.html).
  const meta = (name) => {
    const tag = document.querySelector(`meta[name="${name}"]`);
    return tag ? tag.content : "";
  };
  /** The logged-in rol: "lezer", "planner", "beheerder", or "" when anonymous. */
  G.rol = () => meta("gebruiker-rol");
  G.magBewerken = () => G.rol() === "planner" || G.rol() === "beheerder";
  /** The login page, coming back to this page (with its filters) afterwards. */
  G.inlogUrl = () =>
    `/inloggen?volgende=${encodeURIComponent(window.location.pathname + window.location.search)}`;

  /** A 401 or 403 as a message to act on (text and a login link); null for other errors. */
  G.toegangMelding = function (error) {
    if (error.status === 401) {
      return [
        G.rol() ? "Uw sessie is verlopen. " : "U bent niet ingelogd. ",
        G.el("a", { href: G.inlogUrl(), text: G.rol() ? "Log opnieuw in" : "Log in" }),
        ".",
      ];
    }
    if (error.status === 403) return [`U heeft geen rechten om dit te wijzigen. ${error.message}`];
    return null;
  };

  function withParams(path, params) {
    const url = new URL(path, window.location.origin);
    for (const [key, value] of Object.entries(params || {})) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item != null && item !== "") url.searchParams.append(key, item);
      }
    }
    return url;
  }

  const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

  /**
   * Call the API; resolve with the JSON body, reject with an ApiError. Writes carry the
   * session's CSRF token; `versie` (the one an edit started from) goes in If-Match, so a
   * change made meanwhile by someone else is refused (412) instead of overwritten. `nogGeen`
   * sends If-None-Match: * for a write that must create (a variant's first change of an opgave).
   */
  G.api = async function (path, { method = "GET", params, body, versie, nogGeen = false } = {}) {
    const headers = { Accept: "application/geo+json, application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/geo+json";
    if (!SAFE_METHODS.has(method) && meta("csrf-token")) headers["X-CSRF-Token"] = meta("csrf-token");
    if (versie != null) headers["If-Match"] = `"${versie}"`;
    if (nogGeen) headers["If-None-Match"] = "*";
    let response;
    try {
      response = await fetch(withParams(path, params), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(0, {
        title: "Geen verbinding",
        detail: "De server is niet bereikbaar. Controleer de verbinding en probeer het opnieuw.",
      });
    }
    if (response.status === 204) return null;
    const type = response.headers.get("Content-Type") || "";
    const data = type.includes("json") ? await response.json() : null;
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  };

  /** All features of a paged collection, following the `next` links. */
  G.apiAll = async function (path, params) {
    let page = await G.api(path, { params: { ...params, limit: 1000 } });
    const features = page.features.slice();
    for (;;) {
      const next = (page.links || []).find((link) => link.rel === "next");
      if (!next) break;
      page = await G.api(next.href);
      features.push(...page.features);
    }
    return { type: "FeatureCollection", features };
  };

  // Sequential palette for the stapelingsdiepte (gold to dark red), 1 .. 8+. Depth 1 is a
  // gold, not a pale yellow: it has to show on the cream of the offline background (#f7f6f0)
  // as well as on the BRT map; each face also has a dark edge (stapeling.js).
  G.DIEPTE_KLEUREN = [
    "#f0b429",
    "#ea8a1f",
    "#dc6218",
    "#c8401a",
    "#ad221c",
    "#8e1420",
    "#6b0b22",
    "#470419",
  ];
  G.diepteKleur = (aantal) =>
    G.DIEPTE_KLEUREN[Math.max(0, Math.min(aantal, G.DIEPTE_KLEUREN.length) - 1)];

  /** Black or white, whichever reads best on `hex`. */
  G.tekstKleur = function (hex) {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
    const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    return lum > 0.5 ? "#000000" : "#ffffff";
  };

  /**
   * Classes .staal-<code> in each thema's colour, for swatches in markup (templates, the
   * layer control). A constructed stylesheet: no inline style attributes, so a strict
   * Content-Security-Policy holds.
   */
  G.themaStijlen = function (themas) {
    const sheet = new CSSStyleSheet();
    const rules = themas
      .filter((t) => /^[a-z0-9-]+$/.test(t.code) && /^#[0-9a-f]{6}$/i.test(t.kleur))
      .flatMap((t) => [
        `.staal-${t.code} { background-color: ${t.kleur}; }`,
        // Outlined like the opgaven on the map (legend): the colour as edge, a tint inside.
        `.rand-staal.staal-${t.code} { border-color: ${t.kleur}; background-color: ${t.kleur}4d; }`,
      ]);
    sheet.replaceSync(rules.join("\n"));
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  };

  /**
   * The provinces as a quiet reference layer (from the API, made of the CBS gemeenten), below
   * everything else. Without background tiles they are filled, so land and water still show.
   */
  G.provincieLaag = function (map, control, api) {
    const pane = map.createPane("referentie");
    pane.style.zIndex = 350;
    pane.style.pointerEvents = "none";
    const group = L.featureGroup().addTo(map);
    control.addOverlay(group, "Provinciegrenzen (CBS)");
    const style = { pane: "referentie", color: "#6b6b6b", weight: 1.2, fill: false, interactive: false };
    G.api(`${api}/provincies`)
      .then((collection) => {
        L.geoJSON(collection, { ...style, style: () => style }).addTo(group);
        map.attributionControl.addAttribution("Provinciegrenzen: &copy; CBS / PDOK (CC BY 4.0)");
        if (map.getContainer().classList.contains("zonder-achtergrond")) G.vulProvincies(group);
      })
      .catch((error) => G.meldFout(`Provinciegrenzen niet geladen: ${error.message}`));
    map.on("achtergrondweg", () => G.vulProvincies(group));
    return group;
  };

  G.vulProvincies = (group) =>
    group.eachLayer((layer) =>
      layer.setStyle({ fill: true, fillColor: "#f7f6f0", fillOpacity: 1 })
    );

  /** Keep the map usable without background tiles: say so once, leave the layers working. */
  G.bewaakAchtergrond = function (map) {
    let notice = null;
    map.eachLayer((layer) => {
      if (!(layer instanceof L.TileLayer)) return;
      layer.on("tileerror", () => {
        if (notice) return;
        map.getContainer().classList.add("zonder-achtergrond");
        map.fire("achtergrondweg");
        notice = L.control({ position: "bottomleft" });
        notice.onAdd = () =>
          G.el(
            "div",
            { class: "achtergrond-melding", role: "status" },
            "Achtergrondkaart niet bereikbaar",
            G.el("span", { class: "lang", text: "; de kaartlagen werken gewoon" }),
            "."
          );
        notice.addTo(map);
      });
    });
  };

  /** The map pages' geoman setup: Dutch texts, no toolbar (our own buttons draw). */
  G.initTekenen = function (map) {
    if (map.pm) {
      map.pm.setLang("nl");
      map.pm.setGlobalOptions({ allowSelfIntersection: false, snappable: true });
    }
  };
})(window.Gebiedsregie);
