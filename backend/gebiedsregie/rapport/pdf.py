"""HTML to an A4 PDF with WeasyPrint, offline: only the report's own images are fetched.

Deterministic: WeasyPrint writes no date of its own (the HTML names the report's date as
`dcterms.created`), and the fonts are the system's DejaVu.
"""

import logging
from collections.abc import Mapping, Sequence

from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from gebiedsregie.rapport.opdracht import Afdruk

SCHEME = "rapport:"  # how the HTML names an image: <img src="rapport:kaart.png">
MEDIA_TYPES = {".png": "image/png", ".svg": "image/svg+xml"}

log = logging.getLogger(__name__)


class Geweigerd(Exception):
    """The HTML asked for something other than the report's own images."""


class EigenBestanden(URLFetcher):
    """Serves `rapport:<name>` from the files given, and refuses every other URL (no
    network, no file system), stopping the rendering: a template that names another
    resource is a bug, not something to leave out quietly."""

    def __init__(self, bestanden: Mapping[str, bytes]) -> None:
        super().__init__(allowed_protocols=())
        self._bestanden = dict(bestanden)

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        naam = url.removeprefix(SCHEME)
        if url.startswith(SCHEME) and naam in self._bestanden:
            suffix = naam[naam.rfind(".") :]
            media_type = MEDIA_TYPES.get(suffix, "application/octet-stream")
            return URLFetcherResponse(url, self._bestanden[naam], {"Content-Type": media_type})
        raise FatalURLFetchingError(f"refused to fetch {url[:100]!r}")


def render(
    varianten: Sequence[str], bestanden: Mapping[str, bytes], titel: str, max_paginas: int
) -> Afdruk:
    """Return the PDF of the first variant of the HTML that fits in `max_paginas` pages (the
    last one if none does, which is logged)."""
    fetcher = EigenBestanden(bestanden)
    for i, html in enumerate(varianten):
        try:
            document = HTML(string=html, url_fetcher=fetcher, base_url=None).render()
        except FatalURLFetchingError as exc:  # a BaseException: made an ordinary one
            raise Geweigerd(str(exc)) from None
        last = i == len(varianten) - 1
        if len(document.pages) <= max_paginas or last:
            if len(document.pages) > max_paginas:
                log.warning(
                    "report %r has %d pages, more than %d", titel, len(document.pages), max_paginas
                )
            pdf = document.write_pdf()
            assert pdf is not None
            return Afdruk(pdf, len(document.pages), i)
    raise ValueError("no HTML to render")
