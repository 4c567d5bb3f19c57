"""The `gebiedsregie` command: serve, db, seed, stapeling, export, import, user, token,
variant, vergelijk, ruimtebalans."""

import argparse
import getpass
import json
import sys
from pathlib import Path

from gebiedsregie.auth.commands import add_parsers as add_account_parsers
from gebiedsregie.landelijk.commands import add_options as add_landelijk_options
from gebiedsregie.landelijk.commands import cmd_landelijk
from gebiedsregie.referentielagen.commands import add_options as add_referentielaag_options
from gebiedsregie.referentielagen.commands import cmd_import_referentielaag
from gebiedsregie.ruimtebalans.commands import add_parsers as add_ruimtebalans_parsers
from gebiedsregie.settings import Settings
from gebiedsregie.varianten.commands import add_parsers as add_variant_parsers
from gebiedsregie.vergelijking.commands import add_parsers as add_vergelijk_parsers


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
    from gebiedsregie.logs import configure_logging

    configure_logging(settings)
    url = _url(settings)
    if not args.no_migrate:
        migrate(url)
    app = create_app(settings, url)
    uvicorn.run(
        app,
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_level=args.log_level,
        log_config=None,  # uvicorn's records go to our handler (configure_logging)
        access_log=False,  # the app writes its own access line, with the request id
        proxy_headers=True,
        # Beyond this many connections uvicorn answers 503 at once; idle ones close after
        # keep_alive_s; headers may take 16 KiB. Slow headers are the reverse proxy's to
        # stop (docs/beheer.md): uvicorn has no timeout for them.
        limit_concurrency=settings.max_verbindingen,
        timeout_keep_alive=settings.keep_alive_s,
        h11_max_incomplete_event_size=16 * 1024,
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
    from gebiedsregie.auth.service import set_door
    from gebiedsregie.db import make_engine, make_sessionmaker
    from gebiedsregie.seed import seed

    url = _url(settings)
    migrate(url)
    engine = make_engine(url)
    geodata = Path(args.geodata) if args.geodata else settings.home / "geodata"
    with make_sessionmaker(engine)() as session:
        set_door(session, "seed", None)
        report = seed(session, geodata)
    engine.dispose()
    print(f"seed uit {geodata}: {report}")
    return 0


def cmd_stapeling(args: argparse.Namespace, settings: Settings) -> int:
    from gebiedsregie.crs import CRS84
    from gebiedsregie.db import make_engine, make_sessionmaker
    from gebiedsregie.errors import DomainError
    from gebiedsregie.gebieden import service as gebieden_service
    from gebiedsregie.stapeling import reads, service
    from gebiedsregie.stapeling.filters import StapelingFilter
    from gebiedsregie.stapeling.report import summary_table, write_features
    from gebiedsregie.varianten.stapeling import VariantSituatie, situatie_van

    if args.landelijk or args.hervat:
        return cmd_landelijk(args, settings, _url(settings), _progress)
    if args.gebied is None:
        print("fout: geef een gebied, of --landelijk", file=sys.stderr)
        return 2
    url = _url(settings)
    engine = make_engine(url)
    flt = StapelingFilter.of(args.thema, args.status, args.trekker, args.horizon)
    try:
        with make_sessionmaker(engine)() as session:
            gebied = gebieden_service.get_gebied(session, args.gebied)
            situatie = situatie_van(session, gebied, args.variant, "--variant")
            naam = gebied.naam
            if isinstance(situatie, VariantSituatie):
                naam += f", variant {situatie.variant.naam} ({situatie.variant.status})"
            view = service.stored(session, situatie, flt)
            print(summary_table(naam, view.samenvatting))
            if args.out:
                features = reads.iter_features(session, view, CRS84, args.min_aantal)
                count = write_features(Path(args.out), features)
                print(f"{count} vlakken geschreven naar {args.out}")
    except DomainError as exc:
        print(f"fout: {exc.detail}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from gebiedsregie.crs import CRS84, RD
    from gebiedsregie.db import make_engine, make_sessionmaker
    from gebiedsregie.errors import DomainError
    from gebiedsregie.gebieden import service as gebieden_service
    from gebiedsregie.stapeling.filters import StapelingFilter
    from gebiedsregie.uitwisseling.service import build_export
    from gebiedsregie.uitwisseling.writers import export_filename, novex_geojson, write_gpkg
    from gebiedsregie.varianten.stapeling import VariantSituatie

    engine = make_engine(_url(settings))
    flt = StapelingFilter.of(args.thema, args.status, args.trekker, args.horizon)
    try:
        with make_sessionmaker(engine)() as session:
            gebied = gebieden_service.get_gebied(session, args.gebied)
            variant = None
            if args.variant is not None:
                variant = VariantSituatie.of(session, gebied, args.variant, "--variant")
            export = build_export(
                session,
                gebied,
                flt,
                settings.stapeling_max_opgaven,
                variant,
                referentieobjecten=args.formaat == "gpkg",
                basis_url=(settings.public_url or "").rstrip("/"),
            )
    except DomainError as exc:
        print(f"fout: {exc.detail}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    # GeoJSON is CRS84 and a GeoPackage RD New, unless --crs says otherwise.
    crs = {"rd": RD, "crs84": CRS84}.get(args.crs, RD if args.formaat == "gpkg" else CRS84)
    # A variant's file says so in its name, as the API's does: ede-variant-1a2b3c4d-novex-….
    slug = gebied.slug + (f"-variant-{str(variant.variant.id)[:8]}" if variant else "")
    out = Path(args.out or export_filename(slug, export.gegenereerd_op, args.formaat, crs))
    if args.formaat == "gpkg":
        out.unlink(missing_ok=True)
        write_gpkg(export, out, crs)
    else:
        out.write_bytes(novex_geojson(export, crs))
    counts = ", ".join(f"{len(laag.records)} {naam}" for naam, laag in export.lagen.items())
    if variant is not None:
        print(f"variant {variant.variant.naam} ({variant.variant.status})")
    print(f"{out}: {counts}")
    return 0


KANDIDAAT_VELDEN = (
    "titel",
    "thema",
    "trekker",
    "status",
    "horizon",
    "beschrijving",
    "bron",
    "ruimtevraag_ha",
    "extern_id",
)


def _progress(done: int, total: int) -> None:
    """A progress bar on stderr (only on a terminal-like stream it redraws in place)."""
    width = 30
    filled = width * done // max(total, 1)
    end = "\n" if done >= total else ""
    print(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end=end, file=sys.stderr)


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from gebiedsregie.auth.service import set_door
    from gebiedsregie.db import make_engine, make_sessionmaker
    from gebiedsregie.errors import DomainError
    from gebiedsregie.uitwisseling.service import ImportOpties, import_file

    if args.referentielaag:
        return cmd_import_referentielaag(args, settings, _url(settings), _progress)
    path = Path(args.bestand)
    if not path.is_file():
        print(f"fout: {path} bestaat niet", file=sys.stderr)
        return 2
    opties = ImportOpties(
        dry_run=args.dry_run,
        strikt=args.strikt,
        laag=args.laag,
        crs=args.crs,
        gekozen={prop: getattr(args, f"veld_{prop}") for prop in KANDIDAAT_VELDEN},
        vast={
            "thema": args.thema,
            "trekker": args.trekker,
            "status": args.status,
            "bron": args.bron,
            "buffer_m": args.buffer_m,
        },
    )
    engine = make_engine(_url(settings))
    try:
        with make_sessionmaker(engine)() as session:
            set_door(session, f"cli:{getpass.getuser()}", None)
            report = import_file(session, path, path.name, opties, settings, _progress)
    except DomainError as exc:
        print(f"fout: {exc.detail}", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error.name}: {error.reason}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    bestand, totals = report["bestand"], report["samenvatting"]
    print(f"{bestand['naam']} ({bestand['formaat']}, laag {bestand['laag']}, {bestand['crs']})")
    for key, value in totals.items():
        print(f"  {key:<13}{value:>8}")
    for regel in report["features"]:
        if regel["status"] == "geweigerd":
            print(f"  feature {regel['nr']}: {'; '.join(regel['redenen'])}")
    if args.rapport:
        Path(args.rapport).write_text(json.dumps(report, ensure_ascii=False, indent=2))
    if args.dry_run:
        print("dry run: niets opgeslagen")
    return 0


def _add_filters(command: argparse.ArgumentParser) -> None:
    command.add_argument("--thema", action="append", default=[], help="themacode; herhaalbaar")
    command.add_argument("--status", action="append", default=[], help="status; herhaalbaar")
    command.add_argument("--trekker", action="append", default=[], help="trekker; herhaalbaar")
    command.add_argument(
        "--horizon", type=int, help="alleen opgaven met horizon tot en met dit jaar"
    )


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

    st = sub.add_parser("stapeling", help="toon de stapeling van opgaven in een gebied")
    st.add_argument("gebied", nargs="?", help="id of slug van het gebied")
    st.add_argument("--out", help="schrijf de vlakken als GeoJSON (CRS84) naar dit bestand")
    _add_filters(st)
    st.add_argument("--min-aantal", type=int, default=1, help="alleen vlakken zo diep (--out)")
    st.add_argument("--variant", help="id van een variant: haar stapeling, niet de huidige")
    add_landelijk_options(st)
    st.set_defaults(func=cmd_stapeling)

    ex = sub.add_parser("export", help="exporteer een gebied (NOVEX-GeoJSON of GeoPackage)")
    ex.add_argument("gebied", help="id of slug van het gebied")
    ex.add_argument("--formaat", choices=["geojson", "gpkg"], default="geojson")
    ex.add_argument(
        "--crs",
        choices=["crs84", "rd"],
        help="CRS84 of RD New (standaard: CRS84 voor GeoJSON, RD New voor GeoPackage)",
    )
    ex.add_argument("--out", help="bestand (standaard: <gebied>-novex-<crs>-<datum>.<formaat>)")
    ex.add_argument("--variant", help="id van een variant: haar opgaven en stapeling")
    _add_filters(ex)
    ex.set_defaults(func=cmd_export)

    im = sub.add_parser(
        "import",
        help="importeer opgaven (of een referentielaag) uit GeoJSON, GeoPackage, Shapefile "
        "(zip) of GML",
    )
    im.add_argument("bestand", help="het bestand")
    im.add_argument("--dry-run", action="store_true", help="alleen controleren, niets opslaan")
    im.add_argument("--strikt", action="store_true", help="niets opslaan bij een weigering")
    im.add_argument("--laag", help="laag in een bestand met meer lagen")
    im.add_argument("--crs", help="CRS als het bestand er geen noemt, bijv. EPSG:28992")
    im.add_argument("--thema", help="één thema voor het hele bestand")
    im.add_argument("--trekker", help="trekker als het veld leeg is")
    im.add_argument("--status", help="status als het veld leeg is")
    im.add_argument("--bron", help="bron als het veld leeg is (referentielaag: haar bron)")
    im.add_argument("--buffer-m", type=float, help="buffer in meters voor punten en lijnen")
    for prop in KANDIDAAT_VELDEN:
        im.add_argument(f"--veld-{prop.replace('_', '-')}", help=f"veld voor {prop}")
    im.add_argument("--rapport", help="schrijf het volledige rapport (JSON) naar dit bestand")
    add_referentielaag_options(im)
    im.set_defaults(func=cmd_import)

    add_account_parsers(sub)
    add_variant_parsers(sub)
    add_vergelijk_parsers(sub)
    add_ruimtebalans_parsers(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings()
    try:
        if args.command in ("user", "token", "variant", "vergelijk", "ruimtebalans"):
            return int(args.func(args, settings, _url))
        return int(args.func(args, settings))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
