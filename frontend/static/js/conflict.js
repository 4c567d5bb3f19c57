/* When a save is refused because someone else changed (412) or deleted (410) the object
 * meanwhile: say so in the edit panel, keep what the planner typed and drew, show what the
 * other person changed, and offer to load the new versie. */
"use strict";

(function (G) {
  const el = G.el;
  const WOORDEN = {
    opgave: { deze: "Deze opgave", lidwoord: "de opgave" },
    gebied: { deze: "Dit gebied", lidwoord: "het gebied" },
  };

  /** A refusal because of someone else's change (412) or delete (410). */
  G.isConflict = (error) =>
    error instanceof G.ApiError && (error.status === 412 || error.status === 410);

  /**
   * The object at `url` as it is now and who changed it last: [feature or null when deleted,
   * naam or null]. Either is undefined when it could not be asked.
   */
  G.huidigeVersie = async function (url) {
    const vraag = (promise) =>
      promise.catch((error) => {
        if (!(error instanceof G.ApiError)) throw error;
        return error.status === 410 || error.status === 404 ? null : undefined;
      });
    const [nu, historie] = await Promise.all([
      vraag(G.api(url)),
      vraag(G.api(`${url}/historie`, { params: { limit: 1 } })),
    ]);
    const laatste = historie && historie.wijzigingen[0];
    return [nu, laatste ? laatste.door : undefined];
  };

  const tekst = (value) => (value == null ? "" : String(value));

  /** How `value` of `field` reads: an option's name for a select, "(leeg)" for nothing. */
  function weergave(field, value) {
    const raw = tekst(value);
    if (field.tagName === "SELECT") {
      const option = [...field.options].find((o) => o.value === raw);
      if (option) return option.text;
    }
    return raw === "" ? "(leeg)" : `"${raw}"`;
  }

  /**
   * What changed between `voor` (the versie the edit started from) and `nu`, field by field
   * as the form names them, and the shape: [{label, nu, uwe}], with `uwe` what the planner
   * typed when they changed that field too.
   */
  G.verschillen = function (form, voor, nu) {
    const regels = [];
    for (const field of form.elements) {
      if (!field.name || field.type === "submit" || field.type === "button") continue;
      const oud = tekst(voor.properties[field.name]);
      if (oud === tekst(nu.properties[field.name])) continue;
      const label = field.labels.length
        ? field.labels[0].textContent.replace("*", "").trim()
        : field.name;
      const getypt = field.value.trim();
      regels.push({
        label,
        nu: weergave(field, nu.properties[field.name]),
        uwe: getypt !== oud ? weergave(field, getypt) : null,
      });
    }
    if (JSON.stringify(voor.geometry) !== JSON.stringify(nu.geometry)) {
      regels.push({ label: "Vorm", nu: "anders getekend", uwe: null });
    }
    return regels;
  };

  /** The 412 in `form` (a Formulier): what happened, what changed, and "Nieuwe versie laden". */
  G.toonConflict = function (form, soort, voor, nu, door, laden) {
    const w = WOORDEN[soort];
    const wie = [door, nu ? `versie ${nu.properties.versie}` : null].filter(Boolean).join(", ");
    const kop = `${w.deze} is intussen door iemand anders gewijzigd${wie ? ` (${wie})` : ""}.`;
    const regels = nu && voor ? G.verschillen(form.form, voor, nu) : [];
    form.melding(
      [
        el("p", { class: "conflict-kop", text: kop }),
        el("p", {
          text: "Uw wijzigingen zijn niet opgeslagen. Ze staan nog in het formulier en op de kaart.",
        }),
        regels.length ? el("p", { text: "Intussen gewijzigd:" }) : null,
        regels.length
          ? el(
              "ul",
              { class: "verschillen" },
              regels.map((r) =>
                el("li", null, el("strong", { text: `${r.label}: ` }), r.nu, r.uwe ? ` (u: ${r.uwe})` : null)
              )
            )
          : null,
        el(
          "div",
          { class: "knoppen" },
          el("button", { type: "button", text: "Nieuwe versie laden", onclick: laden })
        ),
        el("p", {
          class: "klein",
          text:
            `Dat vervangt uw wijzigingen door ${w.lidwoord} zoals het nu is; ` +
            "breng ze daarna opnieuw aan.",
        }),
      ],
      "conflict"
    );
  };

  /** The 410 in `form`: the object is gone, the planner's input stays to copy from. */
  G.toonVerwijderd = function (form, soort) {
    const w = WOORDEN[soort];
    form.melding(
      [
        el("p", { class: "conflict-kop", text: `${w.deze} is intussen verwijderd.` }),
        el("p", { text: "Opslaan kan niet meer; uw invoer staat nog in het formulier." }),
        soort === "gebied" ? el("a", { href: "/", text: "Naar het overzicht" }) : null,
      ],
      "conflict"
    );
  };

  /** After "Nieuwe versie laden": what the form now holds. */
  G.toonGeladen = function (form, nu) {
    form.melding(
      [`Versie ${nu.properties.versie} geladen. Breng uw wijziging opnieuw aan en sla op.`],
      "info"
    );
  };

  /** Why a delete failed, for the status line. */
  G.verwijderFout = function (error, soort) {
    const w = WOORDEN[soort];
    if (error.status === 412) {
      return (
        `Niet verwijderd: ${w.deze.toLowerCase()} is intussen door iemand anders gewijzigd. ` +
        "De kaart toont nu de nieuwe versie; verwijder opnieuw als dat nog de bedoeling is."
      );
    }
    if (error.status === 410) {
      return [
        `${w.deze} was intussen al verwijderd.`,
        soort === "gebied" ? el("a", { href: "/", text: " Naar het overzicht" }) : null,
      ];
    }
    return G.toegangMelding(error) || `Verwijderen mislukt: ${error.message}`;
  };
})(window.Gebiedsregie);
