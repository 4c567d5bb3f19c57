// @ts-check
/* Swagger UI from the app's own copy, started under the page's CSP (no inline script).
 * "Try it out" writes as the logged-in user: a session cookie alone is not enough for a
 * write, so every write carries the session's CSRF token from the page (swagger.html). */
"use strict";

(function () {
  const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
  const vak = document.getElementById("swagger-ui");
  const instellingen = JSON.parse((vak && vak.dataset.instellingen) || "{}");
  const meta = /** @type {HTMLMetaElement | null} */ (
    document.querySelector('meta[name="csrf-token"]')
  );
  const csrf = meta ? meta.content : "";

  /**
   * Add the CSRF header to a write to this origin (never to another host).
   * @param {{url: string, method?: string, headers: Record<string, string>}} request
   */
  function withCsrf(request) {
    const method = String(request.method || "GET").toUpperCase();
    const sameOrigin = new URL(request.url, window.location.href).origin === window.location.origin;
    if (csrf && sameOrigin && !SAFE_METHODS.has(method)) request.headers["X-CSRF-Token"] = csrf;
    return request;
  }

  // @ts-ignore: SwaggerUIBundle is the global of swagger-ui-bundle.js
  const ui = window.SwaggerUIBundle;
  ui({
    ...instellingen,
    presets: [ui.presets.apis, ui.SwaggerUIStandalonePreset],
    requestInterceptor: withCsrf,
  });
})();
