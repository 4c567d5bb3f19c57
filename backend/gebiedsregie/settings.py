"""Settings, read once from the environment and passed in (never a module global)."""

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    # An editable install lives in the checkout: keep var/ there. Elsewhere, the cwd.
    checkout = Path(__file__).resolve().parents[2]
    return checkout if (checkout / "pyproject.toml").is_file() else Path.cwd()


class Settings(BaseSettings):
    """Configuration of one Gebiedsregie instance."""

    model_config = SettingsConfigDict(env_prefix="GEBIEDSREGIE_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "GEBIEDSREGIE_DATABASE_URL"),
        description="PostgreSQL/PostGIS URL; without it the local cluster under var/ is used.",
    )
    home: Path = Field(default_factory=_default_home)
    local_db_port: int = 54329
    local_db_name: str = "gebiedsregie"

    host: str = "127.0.0.1"
    port: int = 8000

    # Operations: logs, CORS, the database pool
    log_format: Literal["tekst", "json"] = Field(
        default="tekst", description="Logregels als tekst of als één JSON-object per regel."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins die de API vanuit een browser mogen gebruiken (JSON-lijst, "
        'bv. ["https://kaart.provincie.nl"]); leeg: geen CORS.',
    )
    db_pool_size: int = Field(default=5, ge=1)
    db_max_overflow: int = Field(default=5, ge=0)
    db_pool_timeout_s: float = Field(
        default=10, gt=0, description="Hoe lang een verzoek op een vrije databaseverbinding wacht."
    )

    @field_validator("dask_scheduler", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        # GEBIEDSREGIE_DASK_SCHEDULER= (set but empty) means: no cluster of its own.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level_upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    max_vertices: int = Field(default=100_000, ge=4)
    public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/?#\s]+/?$",
        description="Scheme, host and port links start with (default: the request's Host).",
    )
    repair_seconds: float = Field(default=5.0, gt=0, description="Per geometry to repair.")
    repair_memory_mb: int = Field(default=512, ge=64, description="Per geometry to repair.")
    max_body_bytes: int = Field(default=20_000_000, ge=1024)
    body_timeout_s: float = Field(default=30.0, gt=0, description="Longest wait for body data.")
    max_verbindingen: int = Field(default=200, ge=1, description="Open connections (serve).")
    keep_alive_s: int = Field(default=5, ge=1, description="Idle keep-alive (serve).")
    page_limit_default: int = Field(default=100, ge=1)
    page_limit_max: int = Field(default=1000, ge=1)
    statement_timeout_ms: int = Field(default=30_000, ge=0)
    stapeling_max_opgaven: int = Field(default=20_000, ge=1)
    stapeling_bewaard_max: int = Field(default=500, ge=0, description="Filtered results kept.")
    vergelijking_bewaard_max: int = Field(default=50, ge=0, description="Comparisons kept.")
    vergelijking_seconds: float = Field(default=60.0, gt=0, description="Per comparison computed.")
    vergelijking_memory_mb: int = Field(
        default=1536, ge=128, description="Per comparison computed."
    )
    tegel_cache_mb: int = Field(default=64, ge=0, description="Made tiles kept (memory).")
    adhoc_parallel: int = Field(default=2, ge=1, description="Ad-hoc stapelingen at once.")
    adhoc_seconds: float = Field(default=60.0, gt=0, description="Per ad-hoc stapeling.")
    adhoc_memory_mb: int = Field(default=1536, ge=128, description="Per ad-hoc stapeling.")
    adhoc_max_vlakken: int = Field(default=50_000, ge=1, description="Faces of one (413).")
    adhoc_max_vertices: int = Field(default=10_000, ge=4, description="Of a drawn area.")
    adhoc_parallel_anoniem: int = Field(default=1, ge=0, description="Of them, anonymous.")
    max_upload_bytes: int = Field(default=200_000_000, ge=1024, description="Import: bestand.")
    max_import_features: int = Field(default=100_000, ge=1, description="Import: features.")
    import_seconds: float = Field(default=300.0, gt=0, description="Import: wall-clock limit.")
    # Landelijke stapeling (issue #19): tegels computed on Dask
    dask_scheduler: str | None = Field(
        default=None,
        pattern=r"^(tcp|tls)://[^\s/]+:\d+$",
        description="Een bestaande Dask-scheduler (tcp://host:8786); leeg: een LocalCluster.",
    )

    # Accounts and access
    anoniem_lezen: bool = Field(
        default=True, description="Mogen bezoekers zonder account de kaarten en de API lezen?"
    )
    if_match_verplicht: bool = Field(
        default=False, description="PUT, PATCH en DELETE zonder If-Match weigeren (428)."
    )
    sessie_uren: int = Field(default=10, ge=1, le=24 * 30, description="Geldigheid van een sessie.")
    cookie_secure: bool | None = Field(
        default=None, description="Sessiecookie alleen over HTTPS; leeg: zoals het verzoek."
    )
    token_dagen: int = Field(default=90, ge=1, le=730, description="Standaardlooptijd API-token.")
    wachtwoord_min_lengte: int = Field(default=12, ge=8)
    max_mislukte_pogingen: int = Field(default=5, ge=1)
    blokkade_minuten: int = Field(default=15, ge=1)
    login_per_adres: int = Field(default=10, ge=1, description="Login attempts per minute.")
    login_tegelijk: int = Field(default=2, ge=1, description="Password hashes at once.")

    # OpenID Connect (Keycloak, Entra ID); off while oidc_issuer is empty
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_scopes: str = "openid profile email"
    oidc_redirect_uri: str | None = Field(
        default=None, description="Terugkeeradres; leeg: /auth/oidc/terug op deze host."
    )
    oidc_rol_claim: str = Field(
        default="roles", description="Claim met de rollen; een pad met punten mag."
    )
    oidc_rollen: dict[str, Literal["lezer", "planner", "beheerder"]] = Field(
        default_factory=dict, description='Claimwaarde -> rol, bv. {"gr-planners": "planner"}.'
    )
    oidc_naam_claim: str = "preferred_username"
    oidc_audience: str | None = Field(
        default=None, description="Audience van access tokens voor de API; leeg: de client id."
    )

    @model_validator(mode="after")
    def _oidc_complete(self) -> "Settings":
        if self.oidc_issuer and not (self.oidc_client_id and self.oidc_rollen):
            raise ValueError("OIDC: met oidc_issuer zijn ook oidc_client_id en oidc_rollen nodig.")
        return self

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer)

    @property
    def var_dir(self) -> Path:
        return self.home / "var"

    @property
    def frontend_dir(self) -> Path:
        """Templates and static files of the map pages."""
        return self.home / "frontend"
