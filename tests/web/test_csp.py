"""The Content-Security-Policy in a real browser.

Chromium reports every CSP violation as a console error, and the `browsing` journal fails a
test on any console error: so every browser test also proves its pages keep to the policy.
These tests add the pages the others do not open (Swagger UI, the OGC pages), and prove the
policy refuses what it should, and that the journal sees it.
"""

from playwright.sync_api import expect

from tests.web.conftest import Browsing

INJECT_AND_EVAL = """() => new Promise((resolve) => {
  const violations = [];
  document.addEventListener("securitypolicyviolation", (e) => violations.push(e.violatedDirective));
  const script = document.createElement("script");
  script.textContent = "window.ingevoegd = true;";
  document.body.append(script);
  // Later, outside Playwright's own evaluation (which the browser lets eval).
  setTimeout(() => {
    let evalRefused = false;
    try { eval("1 + 1"); } catch (error) { evalRefused = error instanceof EvalError; }
    setTimeout(() => resolve({ ran: window.ingevoegd === true, evalRefused, violations }), 200);
  }, 0);
})"""


def csp_errors(browsing: Browsing) -> list[str]:
    return [e for e in browsing.journal.errors if "Content Security Policy" in e]


def test_swagger_ui_runs_under_the_csp(browsing: Browsing) -> None:
    page = browsing.page
    response = page.goto(browsing.base + "/api/v1/docs")
    assert response is not None
    assert "'nonce-" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Gebiedsregie")
    operations = page.locator(".opblock-summary")
    expect(operations.first).to_be_visible()
    operations.first.click()  # opens the operation: its parameters and responses
    expect(page.locator(".opblock-body").first).to_be_visible()
    expect(page.locator(".swagger-ui .errors-wrapper")).to_have_count(0)


def test_the_ogc_pages_run_under_the_csp(browsing: Browsing) -> None:
    page = browsing.open("/ogc/collections/opgaven/items?f=html&limit=20")
    assert page.locator("path.leaflet-interactive").count() > 0  # the features on the map
    page.goto(browsing.base + "/ogc?f=html")
    expect(page.locator("h1")).to_contain_text("OGC API Features")
    page.goto(browsing.base + "/ogc/api?f=html")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("OGC API")
    expect(page.locator(".opblock-summary").first).to_be_visible()


def test_the_csp_refuses_injected_script_and_eval(browsing: Browsing) -> None:
    page = browsing.open("/gebieden/food-valley")
    assert csp_errors(browsing) == []
    result = page.evaluate(INJECT_AND_EVAL)
    assert result["ran"] is False
    assert result["evalRefused"] is True
    assert "script-src-elem" in result["violations"]
    # The journal saw the refusal as a console error: any other test would fail on it.
    seen = csp_errors(browsing)
    assert seen and all("script-src" in e for e in seen)
    browsing.journal.errors = [e for e in browsing.journal.errors if e not in seen]
