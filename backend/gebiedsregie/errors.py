"""Domain exceptions, and the one table that maps them to problem+json (RFC 9457)."""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One invalid field: `name` is its path (`properties.titel`, `geometry`, `bbox`)."""

    name: str
    reason: str
    code: str = "ongeldig"

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "code": self.code, "reason": self.reason}


@dataclass
class DomainError(Exception):
    """Base for errors that users cause and should read about, in Dutch."""

    detail: str
    errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    status = 400
    title = "Ongeldige invoer"
    type_slug = "ongeldige-invoer"

    def __post_init__(self) -> None:
        super().__init__(self.detail)


class InvalidInput(DomainError):
    """The request is malformed or breaks a validation rule."""


class UnsupportedCrs(DomainError):
    title = "Coördinatenstelsel niet ondersteund"
    type_slug = "crs-niet-ondersteund"


class NotFound(DomainError):
    status = 404
    title = "Niet gevonden"
    type_slug = "niet-gevonden"


class NotAuthenticated(DomainError):
    status = 401
    title = "Niet ingelogd"
    type_slug = "niet-ingelogd"

    def __post_init__(self) -> None:
        super().__post_init__()
        self.headers.setdefault("WWW-Authenticate", 'Bearer realm="gebiedsregie"')


class Forbidden(DomainError):
    status = 403
    title = "Geen toegang"
    type_slug = "geen-toegang"


class MethodNotAllowed(DomainError):
    """Raise with an `Allow` header naming the methods the resource does take."""

    status = 405
    title = "Methode niet toegestaan"
    type_slug = "methode-niet-toegestaan"


class Gone(DomainError):
    status = 410
    title = "Verwijderd"
    type_slug = "verwijderd"


class PreconditionFailed(DomainError):
    status = 412
    title = "Intussen gewijzigd"
    type_slug = "intussen-gewijzigd"


class PreconditionRequired(DomainError):
    status = 428
    title = "If-Match ontbreekt"
    type_slug = "if-match-ontbreekt"


class Conflict(DomainError):
    status = 409
    title = "Conflict"
    type_slug = "conflict"


class PayloadTooLarge(DomainError):
    status = 413
    title = "Verzoek te groot"
    type_slug = "verzoek-te-groot"


class UnsupportedMediaType(DomainError):
    status = 415
    title = "Mediatype niet ondersteund"
    type_slug = "mediatype-niet-ondersteund"


class RequestTimeout(DomainError):
    status = 408
    title = "Verzoek te traag"
    type_slug = "te-traag"


class ServiceUnavailable(DomainError):
    status = 503
    title = "Dienst tijdelijk niet beschikbaar"
    type_slug = "niet-beschikbaar"


PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://gebiedsregie.nl/problemen/"


def problem(
    status: int,
    title: str,
    detail: str,
    type_slug: str,
    errors: list[FieldError] | None = None,
    instance: str | None = None,
) -> dict[str, Any]:
    """Return a problem+json body."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + type_slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = [e.as_dict() for e in errors]
    return body


def problem_for(exc: DomainError, instance: str | None = None) -> dict[str, Any]:
    return problem(exc.status, exc.title, exc.detail, exc.type_slug, exc.errors, instance)
