"""Settings, read once from the environment and passed in (never a module global)."""

from pathlib import Path

from pydantic import AliasChoices, Field
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

    max_vertices: int = Field(default=100_000, ge=4)
    max_body_bytes: int = Field(default=20_000_000, ge=1024)
    page_limit_default: int = Field(default=100, ge=1)
    page_limit_max: int = Field(default=1000, ge=1)
    statement_timeout_ms: int = Field(default=30_000, ge=0)
    stapeling_max_opgaven: int = Field(default=20_000, ge=1)
    max_upload_bytes: int = Field(default=200_000_000, ge=1024, description="Import: bestand.")
    max_import_features: int = Field(default=100_000, ge=1, description="Import: features.")

    @property
    def var_dir(self) -> Path:
        return self.home / "var"

    @property
    def frontend_dir(self) -> Path:
        """Templates and static files of the map pages."""
        return self.home / "frontend"
