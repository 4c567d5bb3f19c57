/* Editing on the gebied page, for planners: drawing a new opgave, changing the shape and fields
 * of an opgave or of the gebied, deleting. Each edit keeps the versie it started from and sends
 * it as If-Match, so a change someone else made meanwhile is refused (412), never overwritten;
 * conflict.js tells the planner. */
"use strict";

(function (G) {
  const MAX_BEWERKBARE_HOEKPUNTEN = 3000; // beyond this, vertex editing in the browser crawls

  /** A Leaflet layer of `feature`'s shape, to edit without touching the stored one. */
  const kopie = (feature) => L.geoJSON(feature.geometry).getLayers()[0];

  class Bewerker {
    /** `pagina` is the GebiedPagina; `stijl` the style of shapes being drawn or edited. */
    constructor(pagina, stijl) {
      this.pagina = pagina;
      this.map = pagina.map;
      this.api = pagina.api;
      this.stijl = stijl;
      this.opgaveForm = new G.Formulier(document.getElementById("opgave-form"));
      this.gebiedForm = new G.Formulier(document.getElementById("gebied-form"));
      this.bewerking = null;
    }

    koppel() {
      this.opgaveForm.on({ submit: (values) => this.bewaarOpgave(values), cancel: () => this.stop() });
      this.gebiedForm.on({ submit: (values) => this.bewaarGebied(values), cancel: () => this.stop() });
      document.querySelector("[data-gebied-bewerk]").addEventListener("click", () => this.bewerkGebied());
      document
        .querySelector("[data-gebied-verwijder]")
        .addEventListener("click", () => this.verwijderGebied());
    }

    /**
     * Start editing `layer` (a new shape, or a copy of a stored one) with `form`. `feature` is
     * the object as loaded (null for a new one): its versie goes with the save. `verborgen` is
     * [parent, layer]: the stored shape, hidden while its copy is edited.
     */
    begin(form, layer, feature, verborgen, bewerkbaar) {
      this.stop();
      layer.options.pane = "tekenen";
      if (this.map.hasLayer(layer)) this.map.removeLayer(layer);
      layer.setStyle(this.stijl).addTo(this.map);
      if (verborgen) verborgen[0].removeLayer(verborgen[1]);
      this.bewerking = {
        form,
        layer,
        feature,
        versie: feature ? feature.properties.versie : null,
        verborgen,
        stop: bewerkbaar ? G.bewerkVorm(layer) : () => {},
      };
      form.layer = layer;
      form.show();
    }

    stop() {
      if (!this.bewerking) return;
      const { form, layer, verborgen, stop } = this.bewerking;
      stop();
      layer.remove();
      if (verborgen) verborgen[0].addLayer(verborgen[1]);
      form.layer = null;
      form.hide();
      this.bewerking = null;
    }

    /** The page redrew its opgaven: hide the fresh shape of the opgave being edited. */
    naHertekenen() {
      const b = this.bewerking;
      if (!b || b.form !== this.opgaveForm || !b.feature) return;
      const stored = this.pagina.opgaveLagen.get(b.feature.id);
      const parent = stored && [...this.pagina.themaLagen.values()].find((g) => g.hasLayer(stored));
      b.verborgen = parent ? [parent, stored] : null;
      if (parent) parent.removeLayer(stored);
    }

    // --- opgaven -------------------------------------------------------------------------

    startOpgave(layer, feature) {
      const form = this.opgaveForm;
      form.form.querySelector("[data-formtitel]").textContent = feature
        ? "Opgave bewerken"
        : "Nieuwe opgave";
      const checked = this.pagina.filters(false).thema;
      const stored = feature && this.pagina.opgaveLagen.get(feature.id);
      const parent = feature && this.pagina.themaLagen.get(feature.properties.thema);
      this.begin(form, layer, feature, stored && parent ? [parent, stored] : null, true);
      form.fill(
        feature
          ? feature.properties
          : {
              thema: checked[0] || form.form.elements.namedItem("thema").value,
              trekker: "provincie",
              status: "verkenning",
            }
      );
    }

    async bewerkOpgave(id) {
      let feature;
      try {
        feature = await this.pagina.opgaveFeature(id);
      } catch (error) {
        if (!(error instanceof G.ApiError)) throw error;
        const gone = error.status === 410;
        G.meldFout(gone ? G.verwijderFout(error, "opgave") : `Opgave niet geladen: ${error.message}`);
        return;
      }
      this.map.closePopup();
      this.startOpgave(kopie(feature), feature);
    }

    async bewaarOpgave(values) {
      const { layer, feature, versie } = this.bewerking;
      const body = { type: "Feature", geometry: G.geometrieVan(layer), properties: values };
      if (!(await G.controleerLigging(this.api, body.geometry))) {
        this.opgaveForm.melding(["Niet opgeslagen. Pas de vorm op de kaart aan en sla opnieuw op."], "info");
        return;
      }
      let saved;
      try {
        saved = feature
          ? await G.api(`${this.api}/opgaven/${feature.id}`, { method: "PATCH", body, versie })
          : await G.api(`${this.api}/opgaven`, { method: "POST", body });
      } catch (error) {
        if (feature && G.isConflict(error)) return this.conflict(error);
        throw error;
      }
      this.stop();
      await this.pagina.laad();
      this.meldOpgeslagen(`Opgave "${saved.properties.titel}" opgeslagen.`, saved);
    }

    /** The confirmation in the toast, with the API's meldingen (which then stay until closed). */
    meldOpgeslagen(text, saved) {
      const meldingen = G.meldingenTekst(saved);
      G.meld(meldingen ? `${text} ${meldingen}` : text, { soort: meldingen ? "let-op" : "ok" });
    }

    async verwijderOpgave(id) {
      const feature = this.pagina.opgaven.get(id);
      const titel = feature ? feature.properties.titel : id;
      if (!window.confirm(`Opgave "${titel}" verwijderen?`)) return;
      this.map.closePopup();
      try {
        const versie = feature ? feature.properties.versie : null;
        await G.api(`${this.api}/opgaven/${id}`, { method: "DELETE", versie });
        await this.pagina.laad();
        G.meld(`Opgave "${titel}" verwijderd.`, { soort: "ok" });
      } catch (error) {
        if (!(error instanceof G.ApiError)) throw error;
        if (G.isConflict(error)) await this.pagina.laad(); // show what is there now
        G.meldFout(G.verwijderFout(error, "opgave"));
      }
    }

    // --- the gebied ----------------------------------------------------------------------

    bewerkGebied() {
      const feature = this.pagina.gebiedFeature;
      if (!feature) return;
      const hoekpunten = JSON.stringify(feature.geometry.coordinates).split("],[").length;
      const bewerkbaar = hoekpunten <= MAX_BEWERKBARE_HOEKPUNTEN;
      const copy = kopie(feature);
      this.begin(this.gebiedForm, copy, feature, [this.map, this.pagina.grens], bewerkbaar);
      this.gebiedForm.form.querySelector(".formuitleg").textContent = bewerkbaar
        ? "Verschuif de hoekpunten van de grens op de kaart of pas de gegevens aan."
        : `De grens heeft ${G.getal(hoekpunten)} hoekpunten: te veel om hier te verschuiven. ` +
          "Pas de gegevens aan, of vervang de grens met een import.";
      this.bewerking.vormGewijzigd = false;
      copy.on("pm:edit", () => {
        if (this.bewerking) this.bewerking.vormGewijzigd = true;
      });
      this.gebiedForm.fill(feature.properties);
    }

    async bewaarGebied(values) {
      const { layer, vormGewijzigd, versie } = this.bewerking;
      const body = { type: "Feature", properties: { naam: values.naam, beschrijving: values.beschrijving } };
      if (vormGewijzigd) body.geometry = G.geometrieVan(layer);
      let saved;
      try {
        const url = `${this.api}/gebieden/${this.pagina.gebied.id}`;
        saved = await G.api(url, { method: "PATCH", body, versie });
      } catch (error) {
        if (G.isConflict(error)) return this.conflict(error);
        throw error;
      }
      this.stop();
      this.pagina.gebiedFeature = saved; // its versie is the one a next edit starts from
      this.toonGebiedsnaam(saved.properties.naam);
      await this.pagina.laadGrens(false);
      await this.pagina.laad();
      this.meldOpgeslagen(`Gebied "${saved.properties.naam}" opgeslagen.`, saved);
    }

    toonGebiedsnaam(naam) {
      this.pagina.gebied.naam = naam;
      document.querySelector("#paneel h1").textContent = naam;
    }

    async verwijderGebied() {
      const naam = this.pagina.gebied.naam;
      if (!window.confirm(`Gebied "${naam}" verwijderen? De opgaven blijven bestaan.`)) return;
      try {
        const feature = this.pagina.gebiedFeature;
        const versie = feature ? feature.properties.versie : null;
        await G.api(`${this.api}/gebieden/${this.pagina.gebied.id}`, { method: "DELETE", versie });
        window.location.assign("/");
      } catch (error) {
        if (!(error instanceof G.ApiError)) throw error;
        if (error.status === 412) await this.pagina.laadGrens(false);
        G.meldFout(G.verwijderFout(error, "gebied"));
      }
    }

    // --- someone else was first ----------------------------------------------------------

    /** The URL of the object being edited. */
    url() {
      const b = this.bewerking;
      return b.form === this.opgaveForm
        ? `${this.api}/opgaven/${b.feature.id}`
        : `${this.api}/gebieden/${this.pagina.gebied.id}`;
    }

    /** A save was refused (412 or 410): say why in the form, keep the planner's edit. */
    async conflict(error) {
      const b = this.bewerking;
      const soort = b.form === this.opgaveForm ? "opgave" : "gebied";
      if (error.status === 410) {
        this.alVerwijderd(soort);
        return;
      }
      const [nu, door] = await G.huidigeVersie(this.url());
      if (nu === null) {
        this.alVerwijderd(soort);
        return;
      }
      G.toonConflict(b.form, soort, b.feature, nu, door, () => this.laadNieuweVersie());
    }

    alVerwijderd(soort) {
      G.toonVerwijderd(this.bewerking.form, soort);
      // The stored shape is gone: do not put it back when the edit stops.
      this.bewerking.verborgen = null;
      if (soort === "opgave") this.pagina.laad();
    }

    /** Load the object as it is now into the editor, in place of the planner's edit. */
    async laadNieuweVersie() {
      const form = this.bewerking.form;
      form.busy(true);
      try {
        let nu;
        if (form === this.opgaveForm) {
          nu = await G.api(this.url());
          this.pagina.opgaven.set(nu.id, nu);
          this.startOpgave(kopie(nu), nu);
          this.pagina.laad(); // the map shows the new versie too
        } else {
          await this.pagina.laadGrens(false);
          nu = this.pagina.gebiedFeature;
          this.toonGebiedsnaam(nu.properties.naam);
          this.bewerkGebied();
        }
        G.toonGeladen(form, nu);
      } catch (error) {
        if (!(error instanceof G.ApiError)) throw error;
        if (error.status === 410) this.alVerwijderd(form === this.opgaveForm ? "opgave" : "gebied");
        else form.showErrors(error);
      } finally {
        form.busy(false);
      }
    }
  }

  G.Bewerker = Bewerker;
})(window.Gebiedsregie);
