"""The `gebiedsregie` command: serve, db, seed."""

import argparse
import sys
from pathlib import Path

from gebiedsregie.settings import Settings


def _url(settings: Settings) -> str:
    from gebiedsregie.localdb import database_url

    return database_url(settings)


def migrate(url: str, revision: str = "head", down: bool = False) -> None:
    """Run the Alembic migrations against `url`."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(alembic_ini()))
    config.attributes["url"] = url
    if down:
        command.downgrade(config, revision)
    else:
        command.upgrade(config, revision)


def alembic_ini() -> Path:
    """Return the alembic.ini of the checkout (or of the image, under GEBIEDSREGIE_HOME)."""
    for base in (Settings().home, Path(__file__).resolve().parents[2]):
        if (base / "alembic.ini").is_file():
            return base / "alembic.ini"
    raise SystemExit("alembic.ini not found: set GEBIEDSREGIE_HOME to the project folder")


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from gebiedsregie.app import create_app

    url = _url(settings)
    if not args.no_migrate:
        migrate(url)
    app = create_app(settings, url)
    uvicorn.run(
        app,
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_level=args.log_level,
        proxy_headers=True,
    )
    return 0


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from gebiedsregie.localdb import LocalCluster

    if args.action == "upgrade":
        migrate(_url(settings), args.revision or "head")
        print(f"database op revisie {args.revision or 'head'}")
        return 0
    if args.action == "downgrade":
        migrate(_url(settings), args.revision or "base", down=True)
        return 0
    if args.action == "url":
        print(_url(settings))
        return 0
    if settings.database_url:
        print("DATABASE_URL is gezet: er draait geen lokale database.", file=sys.stderr)
        return 1
    cluster = LocalCluster(settings)
    if args.action == "start":
        cluster.start()
    elif args.action == "stop":
        cluster.stop()
    status = cluster.status()
    print(f"lokale PostGIS: {status.detail} (poort {status.port}, data in {status.data_dir})")
    return 0 if status.running or args.action == "stop" else 3


def cmd_seed(args: argparse.Namespace, settings: Settings) -> int:
    from gebiedsregie.db import make_engine, make_sessionmaker
    from gebiedsregie.seed import seed

    url = _url(settings)
    migrate(url)
    engine = make_engine(url)
    geodata = Path(args.geodata) if args.geodata else settings.home / "geodata"
    with make_sessionmaker(engine)() as session:
        report = seed(session, geodata)
    engine.dispose()
    print(f"seed uit {geodata}: {report}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="gebiedsregie",
        description="Gebiedsregie: stapeling van ruimtelijke opgaven per gebied.",
    )
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="start de webapplicatie")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--no-migrate", action="store_true", help="sla migraties over")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="beheer de database")
    db.add_argument("action", choices=["start", "stop", "status", "upgrade", "downgrade", "url"])
    db.add_argument("revision", nargs="?", help="doelrevisie voor upgrade/downgrade")
    db.set_defaults(func=cmd_db)

    seed = sub.add_parser("seed", help="laad de voorbeeldgebieden en hun opgaven")
    seed.add_argument("--geodata", help="map met de seed-data (standaard: geodata/)")
    seed.set_defaults(func=cmd_seed)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings()
    try:
        return int(args.func(args, settings))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
