/* The situation the gebied page shows: the register (de huidige situatie) or one of the
 * gebied's variants. The choice (a select; `?variant=<id>` in the URL), "Nieuwe variant" (a
 * small dialog), a banner while a variant is shown (the page's accent in another colour), and
 * the variant's part of the panel (variantpaneel.js). Editing: variantbewerken.js. */
"use strict";

(function (G) {
  const el = G.el;
  const BEWERKBAAR = new Set(["concept", "voorgelegd"]);
  const STATUSSEN = ["concept", "voorgelegd", "vastgesteld", "verworpen"];

  /**
   * @typedef {Object} Variant a variant as GET /api/v1/varianten/{id} answers
   * @property {string} id
   * @property {string} naam
   * @property {string} beschrijving
   * @property {"concept"|"voorgelegd"|"vastgesteld"|"verworpen"} status
   * @property {string} auteur
   * @property {string} aangemaakt_op
   * @property {number} versie
   * @property {{op: string, door: string}|null} doorgevoerd
   * @property {{weggelaten: number, gewijzigd: number, nieuw: number}} aantallen
   * @property {Array<{opgave_id: string, soort: string, titel: string, versie: number,
   *   register_sindsdien: Object|null}>} wijzigingen
   * @property {{sinds: string, opgaven: Array<{opgave_id: string, titel: string, wat: string,
   *   velden: string[]|null, in_variant: string|null}>}} register_gewijzigd
   */

  /** Whether the logged-in user may change `variant`'s opgaven now. @param {Variant|null} v */
  G.variantBewerkbaar = (v) => Boolean(v) && G.magBewerken() && BEWERKBAAR.has(v.status) && !v.doorgevoerd;

  /** The vergelijken page of `gebied` with `params` (a, b, a_horizon, b_horizon). */
  G.vergelijkUrl = (gebied, params) => G.metParams(`/gebieden/${gebied.slug}/vergelijken`, params);

  /** A variant's status as a small label. */
  G.statusLabel = (status) => el("span", { class: `variantstatus status-${status}`, text: status });

  // How a variant's opgaven look on the map: changed ones dashed, new ones dotted (both thicker),
  // left-out ones a thin grey dashed outline without fill (they count nowhere).
  G.variantStijl = function (wijziging, basis) {
    if (wijziging === "weggelaten") {
      return {
        color: "#595959",
        weight: 1.5,
        dashArray: "3 5",
        fill: false,
        className: "variant-weggelaten",
      };
    }
    if (wijziging === "gewijzigd") {
      return { ...basis, weight: 3.5, dashArray: "10 5", className: `${basis.className} variant-gewijzigd` };
    }
    if (wijziging === "nieuw") {
      return {
        ...basis,
        weight: 3.5,
        dashArray: "2 6",
        lineCap: "round",
        className: `${basis.className} variant-nieuw`,
      };
    }
    return basis;
  };

  /** The legend's rows for the variant's marks that are on the map now (opgaven: features). */
  G.variantLegenda = function (opgaven) {
    const aanwezig = new Set([...opgaven].map((f) => f.properties.variant_wijziging));
    const rijen = [
      ["gewijzigd", "Gewijzigd in de variant (streepjes)"],
      ["nieuw", "Alleen in de variant (stippen)"],
      ["weggelaten", "Weggelaten (telt niet mee)"],
    ]
      .filter(([soort]) => aanwezig.has(soort))
      .map(([soort, label]) => [el("span", { class: `staal lijn-staal variant-staal-${soort}` }), label]);
    return rijen.length ? [{ kop: "Variant", rijen }] : [];
  };

  class Situatiekeuze {
    /** `pagina` is the GebiedPagina: its api, gebied, map, bewerker, and `variant`. */
    constructor(pagina) {
      this.pagina = pagina;
      this.keuze = document.querySelector("[data-situatie-keuze]"); // none when logged out
      this.balk = document.querySelector("[data-variantbalk]");
      this.info = document.querySelector("[data-variant-info]");
      this.vergelijkLink = document.querySelector("[data-vergelijk-link]");
      this.dialoog = document.getElementById("variant-dialoog");
      this.form = this.dialoog ? new G.Formulier(document.getElementById("variant-form")) : null;
      /** @type {Variant[]} the gebied's variants (summaries), by naam */
      this.varianten = [];
      this.melding = false; // the banner holds a notice (toonBalkMelding)
      // The toast goes under the banner, not over it (varianten.css).
      new ResizeObserver(() =>
        document.body.style.setProperty("--variantbalk", `${this.balk.offsetHeight}px`)
      ).observe(this.balk);
    }

    get api() {
      return this.pagina.api;
    }

    /** The choice in the URL and the list of variants; resolves when the page may load. */
    async start() {
      const gevraagd = new URLSearchParams(window.location.search).get("variant");
      if (!this.keuze) {
        // Variants need an account: say so where the banner would be; the map shows the register.
        if (gevraagd) {
          this.toonBalkMelding([
            "Deze link toont een variant; een variant is alleen te zien na inloggen. De kaart toont de huidige situatie. ",
            el("a", { href: G.inlogUrl(), text: "Inloggen" }),
          ]);
        }
        return;
      }
      this.keuze.addEventListener("change", () => this.kies(this.keuze.value));
      const knop = document.querySelector("[data-nieuwe-variant]");
      if (knop && this.form) {
        knop.addEventListener("click", () => this.openDialoog());
        this.form.on({ submit: (values) => this.maak(values), cancel: () => this.dialoog.close() });
        // Back to the button, as a dialog should (also after Escape).
        this.dialoog.addEventListener("close", () => knop.isConnected && knop.focus());
      }
      await Promise.all([this.laadLijst(), gevraagd ? this.laadVariant(gevraagd) : null]);
      this.zet(this.pagina.variant);
      if (gevraagd) this.schrijfInUrl(); // drops a variant that could not be shown
    }

    async laadLijst() {
      try {
        const page = await G.api(`${this.api}/gebieden/${this.pagina.gebied.id}/varianten`, {
          params: { limit: 1000 },
        });
        this.varianten = page.varianten;
      } catch (error) {
        if (!(error instanceof G.ApiError)) throw error;
        G.meldFout(G.toegangMelding(error) || `Varianten niet geladen: ${error.message}`);
      }
      this.vulKeuze();
    }

    vulKeuze() {
      const huidig = this.keuze.options[0];
      const opties = this.varianten.map((v) =>
        el("option", { value: v.id, text: `${v.naam} (${v.status})` })
      );
      this.keuze.replaceChildren(huidig, ...opties);
      this.keuze.value = this.pagina.variant ? this.pagina.variant.id : "";
      this.werkVergelijkLinkBij();
    }

    /** Fetch the variant `id` as the page's; false (and said why) when it cannot be shown. */
    async laadVariant(id) {
      try {
        const variant = await G.api(`${this.api}/varianten/${encodeURIComponent(id)}`);
        if (variant.gebied.id !== this.pagina.gebied.id) {
          this.toonBalkMelding([
            `Variant "${variant.naam}" hoort bij gebied `,
            el("a", {
              href: `/gebieden/${variant.gebied.slug}?variant=${variant.id}`,
              text: variant.gebied.naam,
            }),
            "; de kaart toont de huidige situatie van dit gebied.",
          ]);
          return false;
        }
        this.pagina.variant = variant;
        return true;
      } catch (error) {
        if (!(error instanceof G.ApiError)) throw error;
        const weg = error.status === 404 || error.status === 410;
        this.pagina.variant = null;
        this.zet(null);
        this.toonBalkMelding(
          G.toegangMelding(error) || [
            weg ? "Deze variant bestaat niet (meer)" : `De variant is niet geladen: ${error.message}`,
            "; de kaart toont de huidige situatie.",
          ]
        );
        return false;
      }
    }

    /** Show the situation `id` ("" for the register) everywhere on the page. */
    async kies(id) {
      this.melding = false;
      if (this.pagina.bewerker) this.pagina.bewerker.stop();
      this.pagina.map.closePopup();
      if (id) await this.laadVariant(id);
      else this.pagina.variant = null;
      this.zet(this.pagina.variant);
      this.schrijfInUrl();
      await this.pagina.situatieGewijzigd();
    }

    /** After an edit of the variant: its changes and the map anew. */
    async vernieuw() {
      const variant = this.pagina.variant;
      if (variant && (await this.laadVariant(variant.id))) this.zet(this.pagina.variant);
      await this.pagina.situatieGewijzigd();
    }

    schrijfInUrl() {
      const url = new URL(window.location.href);
      if (this.pagina.variant) url.searchParams.set("variant", this.pagina.variant.id);
      else url.searchParams.delete("variant");
      window.history.replaceState(null, "", url.pathname + url.search);
    }

    /** The page as `variant` (null: the register) has it: banner, accent, panel, tools. */
    zet(variant) {
      this.pagina.variant = variant;
      document.body.classList.toggle("in-variant", Boolean(variant));
      document.body.dataset.situatie = variant ? variant.id : "huidig";
      if (this.keuze) {
        if (variant && ![...this.keuze.options].some((o) => o.value === variant.id)) {
          this.varianten.push(variant);
          this.vulKeuze();
        }
        this.keuze.value = variant ? variant.id : "";
      }
      for (const node of document.querySelectorAll("[data-variant-let-op]")) node.hidden = !variant;
      for (const node of document.querySelectorAll("[data-alleen-register]")) node.hidden = Boolean(variant);
      const bewerken = document.getElementById("bewerken");
      if (bewerken) bewerken.hidden = Boolean(variant) && !G.variantBewerkbaar(variant);
      const kop = document.querySelector("[data-nieuwe-opgave-kop]");
      if (kop) kop.textContent = variant ? "Nieuwe opgave in de variant" : "Nieuwe opgave";
      this.toonBalk();
      this.toonInfo();
      this.werkVergelijkLinkBij();
      this.pagina.map.invalidateSize();
    }

    werkVergelijkLinkBij() {
      if (!this.vergelijkLink) return;
      const variant = this.pagina.variant || this.varianten[0];
      this.vergelijkLink.href = variant
        ? G.vergelijkUrl(this.pagina.gebied, { a: "huidig", b: `variant:${variant.id}` })
        : G.vergelijkUrl(this.pagina.gebied, { a: "huidig", a_horizon: 2030, b: "huidig", b_horizon: 2040 });
      this.vergelijkLink.textContent = this.pagina.variant
        ? "Vergelijk met de huidige situatie"
        : "Vergelijken";
    }

    /** Why a variant cannot be edited here, in a few words; "" when it can. */
    alleenLezen(variant) {
      if (G.variantBewerkbaar(variant)) return "";
      if (variant.doorgevoerd) return "doorgevoerd in het register, niet meer te bewerken";
      if (!BEWERKBAAR.has(variant.status)) return `${variant.status}, niet meer te bewerken`;
      return "alleen lezen";
    }

    /** A notice where the banner is (it stays while the page loads, unlike a toast). */
    toonBalkMelding(delen) {
      this.melding = true;
      this.balk.hidden = false;
      const sluit = () => {
        this.melding = false;
        this.balk.hidden = true;
      };
      this.balk.replaceChildren(
        el("p", { class: "variantbalk-tekst", role: "status" }, delen),
        el("button", { type: "button", text: "Sluiten", onclick: sluit })
      );
      this.pagina.map.invalidateSize();
    }

    toonBalk() {
      const variant = this.pagina.variant;
      if (!variant) {
        if (!this.melding) this.balk.replaceChildren(); // a notice stays until closed or replaced
        this.balk.hidden = !this.melding;
        return;
      }
      this.melding = false;
      this.balk.hidden = false;
      const lezen = this.alleenLezen(variant);
      const register = variant.register_gewijzigd.opgaven.length;
      this.balk.replaceChildren(
        el(
          "p",
          { class: "variantbalk-tekst" },
          el("strong", { text: `${lezen ? "Je bekijkt" : "Je bewerkt"} variant "${variant.naam}"` }),
          " ",
          G.statusLabel(variant.status),
          lezen ? el("span", { class: "variantbalk-uitleg", text: ` (${lezen})` }) : null,
          register
            ? el("span", {
                class: "variantbalk-register",
                text: `Het register is gewijzigd sinds deze variant is gemaakt (${G.aantal(register, "opgave", "opgaven")}).`,
              })
            : null
        ),
        el(
          "div",
          { class: "variantbalk-knoppen" },
          el("a", {
            class: "knop",
            href: G.vergelijkUrl(this.pagina.gebied, { a: "huidig", b: `variant:${variant.id}` }),
            text: "Vergelijken",
          }),
          el("button", { type: "button", text: "Naar de huidige situatie", onclick: () => this.kies("") })
        )
      );
    }

    toonInfo() {
      const variant = this.pagina.variant;
      if (!this.info) return;
      this.info.hidden = !variant;
      this.info.replaceChildren(...(variant ? G.variantPaneel(this, variant) : []));
    }

    openDialoog() {
      this.form.hide();
      this.dialoog.showModal();
      this.form.show();
    }

    /** POST a new variant, and show it at once (it is the planner's to edit). */
    async maak(values) {
      const body = { naam: values.naam, beschrijving: values.beschrijving };
      const variant = await G.api(`${this.api}/gebieden/${this.pagina.gebied.id}/varianten`, {
        method: "POST",
        body,
      });
      this.dialoog.close();
      this.varianten = [...this.varianten, variant].sort((x, y) => x.naam.localeCompare(y.naam, "nl"));
      this.vulKeuze();
      await this.kies(variant.id);
      G.meld(`Variant "${variant.naam}" gemaakt. Je bewerkt nu deze variant; het register verandert niet.`, {
        soort: "ok",
      });
    }

    /** The variant was changed as a whole (status, doorvoeren): show it, and its list entry. */
    vervang(variant) {
      this.varianten = this.varianten.map((v) => (v.id === variant.id ? variant : v));
      this.vulKeuze();
      this.zet(variant);
    }

    /** The variant is gone: its entry too, and the page shows the register. */
    async vergeet(variant) {
      this.varianten = this.varianten.filter((v) => v.id !== variant.id);
      this.vulKeuze();
      await this.kies("");
    }
  }

  G.Situatiekeuze = Situatiekeuze;
  G.VARIANT_STATUSSEN = STATUSSEN;
})(window.Gebiedsregie);
