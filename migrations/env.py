"""Alembic environment: the URL comes from the caller (the CLI or the tests) or the settings."""

from alembic import context
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine, pool

from gebiedsregie.auth import models as _auth  # noqa: F401  (registers tables)
from gebiedsregie.combinaties import models as _combinaties  # noqa: F401
from gebiedsregie.db import Base, sqlalchemy_url
from gebiedsregie.gebieden import models as _gebieden  # noqa: F401
from gebiedsregie.historie import models as _historie  # noqa: F401
from gebiedsregie.landelijk import models as _landelijk  # noqa: F401
from gebiedsregie.ogc import models as _ogc  # noqa: F401
from gebiedsregie.opgaven import models as _opgaven  # noqa: F401
from gebiedsregie.referentielagen import models as _referentielagen  # noqa: F401
from gebiedsregie.stapeling import models as _stapeling  # noqa: F401
from gebiedsregie.varianten import models as _varianten  # noqa: F401
from gebiedsregie.vergelijking import models as _vergelijking  # noqa: F401
from gebiedsregie.zoeken import models as _zoeken  # noqa: F401

config = context.config


def _url() -> str:
    url = config.attributes.get("url")
    if url:
        return str(url)
    from gebiedsregie.localdb import database_url
    from gebiedsregie.settings import Settings

    return database_url(Settings())


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(sqlalchemy_url(_url()), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=alembic_helpers.include_object,
        process_revision_directives=alembic_helpers.writer,
        render_item=alembic_helpers.render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported; run against a database.")
run_migrations_online()
