/* On a phone the side panel is a sheet over the bottom of the map: a strip of it shows, a
 * button at its top pulls it up or lets it down (gebiedsregie.css does the layout). */
"use strict";

(function (G) {
  let knop = null;
  let paneel = null;

  /** Pull the sheet up (true) or let it down; no-op on a wide screen, where it is a column. */
  G.openBlad = function (aan) {
    if (!knop || !G.isSmal()) return;
    paneel.classList.toggle("blad-open", aan);
    paneel.classList.remove("blad-klein");
    knop.setAttribute("aria-expanded", String(aan));
    knop.lastChild.textContent = aan ? "Paneel kleiner" : "Paneel groter";
  };

  /** Let the sheet down to its button only (the table wants the room under the map). */
  G.klapBladIn = function () {
    if (!knop || !G.isSmal()) return;
    G.openBlad(false);
    paneel.classList.add("blad-klein");
  };

  /** Give the page's panel (next to a map) its sheet button. */
  G.indeling = function () {
    paneel = document.querySelector(".kaartvak ~ .paneel");
    if (!paneel || knop) return;
    knop = G.el(
      "button",
      { type: "button", class: "blad-knop", "aria-controls": paneel.id, "aria-expanded": "false" },
      G.el("span", { class: "blad-greep", "aria-hidden": "true" }),
      G.el("span", { text: "Paneel groter" })
    );
    knop.addEventListener("click", () => G.openBlad(!paneel.classList.contains("blad-open")));
    paneel.prepend(knop);
    // The skip link leads into the panel: pull it up, to see where. (Not on any focus in it:
    // a tap on a button would move the button away under the finger.)
    for (const link of document.querySelectorAll(`a[href="#${paneel.id}"]`)) {
      link.addEventListener("click", () => G.openBlad(true));
    }
  };
})(window.Gebiedsregie);
