/* Forms of the map pages: fill, read, and show the API's problem+json next to each field. */
"use strict";

(function (G) {
  const NUMBER_FIELDS = new Set(["horizon", "ruimtevraag_ha"]);

  class Formulier {
    /** `form` is a <form> whose fields are named like the API's properties. */
    constructor(form) {
      this.form = form;
      this.layer = null; // the shape on the map this form saves, for geometry errors
    }

    show() {
      this.form.hidden = false;
      const details = this.form.closest("details");
      if (details) details.open = true;
      const first = this.form.querySelector("input, select, textarea");
      if (first) first.focus();
    }

    hide() {
      this.form.hidden = true;
      this.clearErrors();
      this.form.reset();
    }

    fill(values) {
      for (const field of this.form.elements) {
        if (!field.name || !(field.name in values)) continue;
        const value = values[field.name];
        field.value = value == null ? "" : String(value);
      }
    }

    /** The fields as API properties: empty numbers are null, text is trimmed. */
    values() {
      const out = {};
      for (const field of this.form.elements) {
        if (!field.name || field.type === "submit" || field.type === "button") continue;
        const raw = field.value.trim();
        if (NUMBER_FIELDS.has(field.name)) {
          out[field.name] = raw === "" ? null : Number(raw);
        } else {
          out[field.name] = raw;
        }
      }
      return out;
    }

    busy(on) {
      for (const button of this.form.querySelectorAll("button")) button.disabled = on;
    }

    clearErrors() {
      for (const node of this.form.querySelectorAll("[data-fout-voor], [data-formfout]")) {
        node.hidden = true;
        node.textContent = "";
      }
      this.form.querySelector("[data-formfout]").classList.remove("conflict", "info");
      for (const field of this.form.querySelectorAll("[aria-invalid]")) {
        field.removeAttribute("aria-invalid");
      }
      if (this.layer && this.layer.getTooltip()) this.layer.unbindTooltip();
    }

    /** A message above the buttons: text and nodes; `soort` "conflict" or "info" restyles it. */
    melding(children, soort) {
      const box = this.form.querySelector("[data-formfout]");
      box.classList.remove("conflict", "info");
      if (soort) box.classList.add(soort);
      box.replaceChildren(...children.filter((child) => child != null));
      box.hidden = false;
    }

    /** Put each error of an ApiError next to its field; the rest above the buttons. */
    showErrors(error) {
      this.clearErrors();
      const toegang = G.toegangMelding(error);
      if (toegang) {
        this.melding(toegang);
        return;
      }
      const general = [];
      let firstField = null;
      for (const item of error.errors) {
        const name = String(item.name || "").replace(/^properties\./, "");
        const key = name.startsWith("geometry") || name === "body" ? "geometry" : name;
        const slot = this.form.querySelector(`[data-fout-voor="${CSS.escape(key)}"]`);
        if (!slot) {
          general.push(item.reason);
          continue;
        }
        slot.textContent = slot.hidden ? item.reason : `${slot.textContent} ${item.reason}`;
        slot.hidden = false;
        const field = this.form.elements.namedItem(key);
        if (field && field.setAttribute) {
          field.setAttribute("aria-invalid", "true");
          firstField = firstField || field;
        }
        if (key === "geometry" && this.layer) {
          this.layer
            .bindTooltip(G.el("span", { text: item.reason }), {
              permanent: true,
              direction: "center",
              className: "kaartfout",
            })
            .openTooltip();
        }
      }
      if (!error.errors.length) general.push(error.message);
      const box = this.form.querySelector("[data-formfout]");
      if (general.length) {
        box.textContent = `${error.problem.title || "Niet opgeslagen"}: ${general.join(" ")}`;
        box.hidden = false;
      } else {
        box.textContent = "Niet opgeslagen: verbeter de gemarkeerde velden.";
        box.hidden = false;
      }
      if (firstField) firstField.focus();
    }

    /** Call `onSubmit(values)` on submit and `onCancel()` on Annuleren. */
    on({ submit, cancel }) {
      this.form.addEventListener("submit", async (event) => {
        event.preventDefault();
        this.busy(true);
        this.clearErrors();
        try {
          await submit(this.values());
        } catch (error) {
          if (!(error instanceof G.ApiError)) throw error;
          this.showErrors(error);
        } finally {
          this.busy(false);
        }
      });
      this.form.querySelector("[data-annuleer]").addEventListener("click", () => cancel());
    }
  }

  G.Formulier = Formulier;
})(window.Gebiedsregie);
