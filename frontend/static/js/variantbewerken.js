/* Editing a variant on the gebied page, for planners. Every change goes to the variant's own
 * endpoints (/api/v1/varianten/{id}/opgaven/…), never to the register's: leave an opgave out
 * or bring it back, change its shape and fields (the variant's version), draw a new one (only in
 * the variant); and the popup's variant buttons. Outside a variant, the register's Bewerker does
 * as it always did. */
"use strict";

(function (G) {
  const el = G.el;
  const kopie = (feature) => L.geoJSON(feature.geometry).getLayers()[0];
  // conflict.js names a versie: in a variant, that of the variant's change.
  const alsVersie = (f) =>
    f && { ...f, properties: { ...f.properties, versie: f.properties.wijziging_versie } };
  const MERKEN = {
    register: "Als in de huidige situatie",
    gewijzigd: "Gewijzigd in deze variant",
    nieuw: "Alleen in deze variant",
    weggelaten: "Weggelaten in deze variant (telt niet mee)",
  };

  class VariantBewerker extends G.Bewerker {
    /** @returns {import("./varianten.js").Variant|null} */
    get variant() {
      return this.pagina.variant;
    }

    get naam() {
      return `variant "${this.variant.naam}"`;
    }

    opgaveUrl(id) {
      const basis = `${this.api}/varianten/${this.variant.id}/opgaven`;
      return id ? `${basis}/${encodeURIComponent(id)}` : basis;
    }

    startOpgave(layer, feature) {
      super.startOpgave(layer, feature);
      if (!this.variant) return;
      this.opgaveForm.form.querySelector("[data-formtitel]").textContent = feature
        ? `Opgave wijzigen in ${this.naam}`
        : `Nieuwe opgave in ${this.naam}`;
    }

    async bewaarOpgave(values) {
      if (!this.variant) return super.bewaarOpgave(values);
      const { layer, feature } = this.bewerking;
      const body = { type: "Feature", geometry: G.geometrieVan(layer), properties: values };
      if (!(await G.controleerLigging(this.api, body.geometry))) {
        this.opgaveForm.melding(["Niet opgeslagen. Pas de vorm op de kaart aan en sla opnieuw op."], "info");
        return;
      }
      let saved;
      try {
        // The change's own versie; none yet: the PUT makes the variant's version, unless
        // someone else made one meanwhile (If-None-Match: *, 412).
        const versie = feature ? feature.properties.wijziging_versie : null;
        saved = feature
          ? await G.api(this.opgaveUrl(feature.id), { method: "PUT", body, versie, nogGeen: versie == null })
          : await G.api(this.opgaveUrl(null), { method: "POST", body });
      } catch (error) {
        if (feature && G.isConflict(error)) return this.conflict(error);
        throw error;
      }
      this.stop();
      await this.pagina.situatie.vernieuw();
      this.meldOpgeslagen(`Opgave "${saved.properties.titel}" opgeslagen in ${this.naam}.`, saved);
    }

    /** In a variant, "delete" is leaving out (a register opgave) or removing (a new one). */
    async verwijderOpgave(id) {
      if (!this.variant) return super.verwijderOpgave(id);
      const feature = this.pagina.opgaven.get(id);
      const p = feature ? feature.properties : { titel: id, wijziging_versie: null };
      if (p.variant_wijziging === "nieuw") return this.verwijderNieuw(id, p.wijziging_versie, p.titel);
      return this.weglaten(id);
    }

    async weglaten(id) {
      const feature = this.pagina.opgaven.get(id);
      const p = feature ? feature.properties : { titel: id, wijziging_versie: null };
      const vraag =
        p.variant_wijziging === "gewijzigd" &&
        !(await G.vraag({
          titel: `"${p.titel}" weglaten?`,
          tekst: ["Deze opgave is in de variant gewijzigd. Weglaten vervangt die wijziging."],
          ja: "Weglaten",
          nee: "Niet weglaten",
        }));
      if (vraag) return;
      this.map.closePopup();
      try {
        await G.api(this.opgaveUrl(id), {
          method: "PUT",
          body: { weggelaten: true },
          versie: p.wijziging_versie,
          nogGeen: p.wijziging_versie == null,
        });
      } catch (error) {
        return this.variantFout(error, "Niet weggelaten");
      }
      await this.pagina.situatie.vernieuw();
      G.meld(`Opgave "${p.titel}" weggelaten in ${this.naam}. Terugzetten kan in het paneel.`, {
        soort: "ok",
      });
    }

    /** Undo the variant's change of a register opgave: left out or changed, it is as the register has it. */
    async terugzetten(id, versie, titel) {
      this.map.closePopup();
      try {
        await G.api(this.opgaveUrl(id), { method: "DELETE", versie });
      } catch (error) {
        return this.variantFout(error, "Niet teruggezet");
      }
      await this.pagina.situatie.vernieuw();
      G.meld(`Opgave "${titel}" is in ${this.naam} weer als in de huidige situatie.`, { soort: "ok" });
    }

    async verwijderNieuw(id, versie, titel) {
      const ja = await G.vraag({
        titel: `"${titel}" verwijderen?`,
        tekst: [
          `Deze opgave bestaat alleen in ${this.naam}; zij verdwijnt daaruit. Het register verandert niet.`,
        ],
        ja: "Verwijderen",
        nee: "Niet verwijderen",
      });
      if (!ja) return;
      this.map.closePopup();
      try {
        await G.api(this.opgaveUrl(id), { method: "DELETE", versie });
      } catch (error) {
        return this.variantFout(error, "Niet verwijderd");
      }
      await this.pagina.situatie.vernieuw();
      G.meld(`Opgave "${titel}" verwijderd uit ${this.naam}.`, { soort: "ok" });
    }

    /** A refused change of the variant: say why, and show the variant as it is now. */
    async variantFout(error, wat) {
      if (!(error instanceof G.ApiError)) throw error;
      if (G.isConflict(error) || error.status === 409) await this.pagina.situatie.vernieuw();
      const toegang = G.toegangMelding(error);
      G.meldFout(
        toegang ||
          (error.status === 412
            ? `${wat}: de variant is intussen door iemand anders gewijzigd. De kaart toont nu hoe zij is; probeer het opnieuw.`
            : `${wat}: ${error.message}`)
      );
    }

    // --- someone else was first (in the variant) -----------------------------------------

    url() {
      const b = this.bewerking;
      if (!this.variant || b.form !== this.opgaveForm) return super.url();
      return this.opgaveUrl(b.feature.id);
    }

    async conflict(error) {
      const b = this.bewerking;
      if (!this.variant || b.form !== this.opgaveForm) return super.conflict(error);
      let nu = null;
      try {
        nu = await G.api(this.url());
      } catch (fout) {
        if (!(fout instanceof G.ApiError)) throw fout;
      }
      if (!nu || error.status === 410) {
        this.alVerwijderd("opgave");
        return;
      }
      G.toonConflict(b.form, "opgave", alsVersie(b.feature), alsVersie(nu), null, () =>
        this.laadNieuweVersie()
      );
    }

    async laadNieuweVersie() {
      const form = this.bewerking.form;
      if (!this.variant || form !== this.opgaveForm) return super.laadNieuweVersie();
      form.busy(true);
      try {
        const nu = await G.api(this.url());
        this.pagina.opgaven.set(nu.id, nu);
        this.startOpgave(kopie(nu), nu);
        this.pagina.laad();
        form.melding(
          ["De opgave zoals de variant haar nu heeft is geladen. Breng uw wijziging opnieuw aan en sla op."],
          "info"
        );
      } catch (error) {
        if (!(error instanceof G.ApiError)) throw error;
        if (error.status === 410 || error.status === 404) this.alVerwijderd("opgave");
        else form.showErrors(error);
      } finally {
        form.busy(false);
      }
    }
  }

  /** What the variant does with an opgave, as a label (popup). */
  G.variantMerk = function (feature) {
    const soort = feature.properties.variant_wijziging || "register";
    return el("p", { class: `variant-merk merk-${soort}`, text: MERKEN[soort] });
  };

  /** The variant's part of an opgave's popup: a note, the history, the buttons. */
  G.variantPopupDelen = function (pagina, feature) {
    const p = feature.properties;
    const soort = p.variant_wijziging || "register";
    const bewerker = G.variantBewerkbaar(pagina.variant) ? pagina.bewerker : null;
    const knop = (text, doe, klasse) =>
      el("button", { type: "button", class: klasse || null, text, onclick: doe });
    let knoppen = null;
    if (bewerker) {
      const bewerk = knop(soort === "register" ? "Wijzigen in variant" : "Bewerken", () =>
        bewerker.bewerkOpgave(feature.id)
      );
      const terug = (text, klasse) =>
        knop(text, () => bewerker.terugzetten(feature.id, p.wijziging_versie, p.titel), klasse);
      const weg = knop("Weglaten", () => bewerker.weglaten(feature.id), "gevaar");
      knoppen = {
        register: [bewerk, weg],
        gewijzigd: [bewerk, terug("Terugdraaien"), weg],
        nieuw: [
          bewerk,
          knop(
            "Verwijderen uit variant",
            () => bewerker.verwijderNieuw(feature.id, p.wijziging_versie, p.titel),
            "gevaar"
          ),
        ],
        weggelaten: [terug("Terugzetten", "primair")],
      }[soort];
    }
    return [
      p.register_gewijzigd
        ? el("p", {
            class: "register-sindsdien",
            text: "Het register wijzigde deze opgave nadat de variant haar wijzigde.",
          })
        : null,
      G.rol() && G.historieKnop && soort !== "nieuw" ? G.historieKnop("opgave", feature.id) : null,
      knoppen ? el("div", { class: "knoppen" }, knoppen) : null,
    ];
  };

  G.VariantBewerker = VariantBewerker;
})(window.Gebiedsregie);
