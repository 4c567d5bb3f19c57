/* The variant's part of the gebied page's panel (varianten.js shows it): who made it and when,
 * its status, what the register changed since it was made (the variant follows the register
 * where it did not change an opgave itself), its changes (left-out opgaven with Terugzetten,
 * changed ones with Terugdraaien, new ones with Verwijderen), and managing it: its status,
 * deleting it, and for a beheerder doorvoeren. */
"use strict";

(function (G) {
  const el = G.el;
  const REGISTER_WAT = {
    gewijzigd: "gewijzigd",
    nieuw: "nieuw in het gebied",
    verwijderd: "verwijderd",
    hersteld: "teruggezet",
  };
  const VELDEN = { geometrie: "vorm", ruimtevraag_ha: "ruimtevraag", extern_id: "extern id" };
  const tijd = new Intl.DateTimeFormat("nl-NL", { dateStyle: "medium", timeStyle: "short" });

  /** The fields the register changed, in words: " (titel, vorm)". */
  const velden = (lijst) =>
    lijst && lijst.length ? ` (${lijst.map((v) => VELDEN[v] || v).join(", ")})` : "";

  /**
   * The panel's nodes for `variant` (GET /varianten/{id}); `keuze` is the page's
   * Situatiekeuze (its pagina, for the map and the editing tools).
   */
  G.variantPaneel = function (keuze, variant) {
    const a = variant.aantallen;
    const gegevens = [
      ["Status", G.statusLabel(variant.status)],
      ["Gemaakt door", variant.auteur],
      ["Gemaakt op", tijd.format(new Date(variant.aangemaakt_op))],
      ["Wijzigingen", `${a.weggelaten} weggelaten, ${a.gewijzigd} gewijzigd, ${a.nieuw} nieuw`],
      variant.doorgevoerd
        ? ["Doorgevoerd", `${tijd.format(new Date(variant.doorgevoerd.op))} door ${variant.doorgevoerd.door}`]
        : null,
    ].filter(Boolean);
    return [
      el("h2", { text: `Variant "${variant.naam}"` }),
      variant.beschrijving ? el("p", { class: "beschrijving", text: variant.beschrijving }) : null,
      el(
        "dl",
        { class: "variant-gegevens" },
        gegevens.map(([dt, dd]) => el("div", null, el("dt", { text: dt }), el("dd", null, dd)))
      ),
      registerBlok(variant),
      wijzigingenBlok(keuze.pagina, variant),
      G.variantBeheer ? G.variantBeheer(keuze, variant) : null,
    ].filter(Boolean);
  };

  /** What the register changed since the variant was made. */
  function registerBlok(variant) {
    const { sinds, opgaven } = variant.register_gewijzigd;
    const wanneer = tijd.format(new Date(sinds));
    if (!opgaven.length) {
      return el("p", {
        class: "klein",
        text: `Het register is niet gewijzigd sinds deze variant is gemaakt (${wanneer}).`,
      });
    }
    return el(
      "div",
      { class: "register-gewijzigd", dataset: { registerGewijzigd: "" } },
      el(
        "p",
        null,
        el("strong", { text: "Het register is gewijzigd" }),
        ` sinds deze variant is gemaakt (${wanneer}). ` +
          "De variant volgt het register, behalve bij opgaven die zij zelf wijzigt of weglaat."
      ),
      el(
        "ul",
        null,
        opgaven.map((o) =>
          el(
            "li",
            null,
            el("strong", { text: o.titel }),
            ` ${REGISTER_WAT[o.wat] || o.wat}${velden(o.velden)}`,
            o.in_variant ? el("span", { class: "klein", text: ` · in de variant ${o.in_variant}` }) : null
          )
        )
      )
    );
  }

  /** The variant's changes, by kind, each with its way back when the variant may be edited. */
  function wijzigingenBlok(pagina, variant) {
    const bewerker = G.variantBewerkbaar(variant) ? pagina.bewerker : null;
    const toon = (w) =>
      el("button", {
        type: "button",
        class: "link",
        text: w.titel,
        onclick: () => pagina.toonOpgave(w.opgave_id),
      });
    const sindsdien = (w) =>
      w.register_sindsdien
        ? el("p", {
            class: "register-sindsdien",
            text:
              `Het register ${REGISTER_WAT[w.register_sindsdien.wat] || w.register_sindsdien.wat} deze opgave` +
              `${velden(w.register_sindsdien.velden)} nadat de variant haar wijzigde.`,
          })
        : null;
    const knop = (text, doe) => (w) =>
      el("button", {
        type: "button",
        class: "klein-knop",
        text,
        "aria-label": `${text}: ${w.titel}`,
        onclick: () => doe(w),
      });
    const lijst = (soort, kop, maakKnop) => {
      const items = variant.wijzigingen.filter((w) => w.soort === soort);
      if (!items.length) return [];
      return [
        el("h3", { text: kop }),
        el(
          "ul",
          { class: "wijzigingen", dataset: { wijzigingen: soort } },
          items.map((w) =>
            el(
              "li",
              { dataset: { opgave: w.opgave_id } },
              el("span", { class: `variant-merk merk-${soort}`, text: soort }),
              " ",
              toon(w),
              bewerker ? maakKnop(w) : null,
              sindsdien(w)
            )
          )
        ),
      ];
    };
    const blokken = [
      ...lijst(
        "weggelaten",
        "Weggelaten opgaven",
        knop("Terugzetten", (w) => bewerker.terugzetten(w.opgave_id, w.versie, w.titel))
      ),
      ...lijst(
        "gewijzigd",
        "Gewijzigde opgaven",
        knop("Terugdraaien", (w) => bewerker.terugzetten(w.opgave_id, w.versie, w.titel))
      ),
      ...lijst(
        "nieuw",
        "Nieuwe opgaven",
        knop("Verwijderen", (w) => bewerker.verwijderNieuw(w.opgave_id, w.versie, w.titel))
      ),
    ];
    if (!blokken.length) {
      return el("p", {
        class: "leeg",
        text: bewerker
          ? "Nog geen wijzigingen. Kies een opgave op de kaart om haar weg te laten of te wijzigen, of teken een nieuwe."
          : "Deze variant heeft geen wijzigingen.",
      });
    }
    return el("div", { class: "variant-wijzigingen" }, blokken);
  }
  /** The panel's management of the variant: status, doorvoeren (beheerder), delete. */
  G.variantBeheer = function (keuze, variant) {
    if (!G.magBewerken() || variant.doorgevoerd) return null;
    const beheerder = G.rol() === "beheerder";
    const bewerkbaar = G.variantBewerkbaar(variant);
    const delen = [];
    if (beheerder || bewerkbaar) {
      const opties = G.VARIANT_STATUSSEN.filter((s) => beheerder || s !== "vastgesteld");
      const select = el(
        "select",
        { id: "variant-status", name: "status" },
        opties.map((s) => el("option", { value: s, text: s, selected: s === variant.status }))
      );
      delen.push(
        el(
          "form",
          {
            class: "variant-status",
            onsubmit: (event) => (event.preventDefault(), zetStatus(keuze, variant, select.value)),
          },
          el("label", { for: "variant-status", text: "Status van de variant" }),
          el("div", { class: "rij-knop" }, select, el("button", { type: "submit", text: "Status wijzigen" }))
        )
      );
    }
    const knoppen = [];
    if (beheerder && variant.status === "vastgesteld") {
      knoppen.push(
        el("button", {
          type: "button",
          class: "primair",
          text: "Doorvoeren in het register",
          onclick: () => doorvoeren(keuze, variant),
        })
      );
    }
    if (bewerkbaar) {
      knoppen.push(
        el("button", {
          type: "button",
          class: "gevaar",
          text: "Variant verwijderen",
          onclick: () => verwijder(keuze, variant),
        })
      );
    }
    if (knoppen.length) delen.push(el("div", { class: "knoppen" }, knoppen));
    return delen.length
      ? el("div", { class: "variant-beheer" }, el("h3", { text: "Beheer van de variant" }), delen)
      : null;
  };

  const variantUrl = (keuze, variant) => `${keuze.api}/varianten/${variant.id}`;

  async function zetStatus(keuze, variant, status) {
    if (status === variant.status) return;
    try {
      const saved = await G.api(variantUrl(keuze, variant), {
        method: "PATCH",
        body: { status },
        versie: variant.versie,
      });
      keuze.vervang(saved);
      G.meld(`Variant "${saved.naam}" is nu ${saved.status}.`, { soort: "ok" });
    } catch (error) {
      await beheerFout(keuze, error, "Status niet gewijzigd");
    }
  }

  async function verwijder(keuze, variant) {
    const ja = await G.vraag({
      titel: `Variant "${variant.naam}" verwijderen?`,
      tekst: ["De variant en haar wijzigingen verdwijnen. Het register blijft zoals het is."],
      ja: "Verwijderen",
      nee: "Niet verwijderen",
    });
    if (!ja) return;
    try {
      await G.api(variantUrl(keuze, variant), { method: "DELETE", versie: variant.versie });
    } catch (error) {
      return beheerFout(keuze, error, "Niet verwijderd");
    }
    await keuze.vergeet(variant);
    G.meld(`Variant "${variant.naam}" verwijderd. De kaart toont de huidige situatie.`, { soort: "ok" });
  }

  async function doorvoeren(keuze, variant) {
    const a = variant.aantallen;
    const ja = await G.vraag({
      titel: `Variant "${variant.naam}" doorvoeren?`,
      tekst: [
        `Het register neemt de wijzigingen over: ${a.nieuw} nieuw, ${a.gewijzigd} gewijzigd, ${a.weggelaten} verwijderd.`,
        "Dat gebeurt in één keer, of niet als het register een van die opgaven intussen wijzigde.",
      ],
      ja: "Doorvoeren",
      nee: "Niet doorvoeren",
    });
    if (!ja) return;
    try {
      const result = await G.api(`${variantUrl(keuze, variant)}/doorvoeren`, {
        method: "POST",
        versie: variant.versie,
      });
      keuze.vervang(result.variant);
      await keuze.pagina.situatieGewijzigd();
      G.meld(`Variant "${variant.naam}" is doorgevoerd in het register.`, { soort: "ok" });
    } catch (error) {
      await beheerFout(keuze, error, "Niet doorgevoerd");
    }
  }

  async function beheerFout(keuze, error, wat) {
    if (!(error instanceof G.ApiError)) throw error;
    if (G.isConflict(error)) await keuze.vernieuw();
    const redenen = error.errors.map((e) => e.reason).filter(Boolean);
    G.meldFout(G.toegangMelding(error) || `${wat}: ${[error.message, ...redenen].join(" ")}`);
  }
})(window.Gebiedsregie);
