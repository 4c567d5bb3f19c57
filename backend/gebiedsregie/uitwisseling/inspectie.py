"""What an uploaded file holds, before anything is imported: its layers, their fields with a
few values, geometry type, CRS and number of features (POST /api/v1/import/inspectie).

It opens the file as the import does (readers.py), with the same checks; it stores nothing.
"""

from pathlib import Path
from typing import Any

import pyogrio.raw

from gebiedsregie.errors import FieldError, InvalidInput
from gebiedsregie.settings import Settings
from gebiedsregie.uitwisseling import importer, readers

VOORBEELD_FEATURES = 20  # features read for the sample values of an inspection
VOORBEELDEN = 3  # distinct values shown per field
VOORBEELD_CHARS = 80
MAX_LAGEN = 20  # layers inspected at once; a file with more asks for one
MAX_LAAGNAMEN = 500  # layer names listed


def inspect_file(
    path: Path, filename: str, laag: str | None, crs: str | None, settings: Settings
) -> dict[str, Any]:
    """Return what the file holds, without importing: its layers (or only `laag`), each with
    its fields and a few of their values, geometry type, CRS, number of features and the
    fields the import would take by their names. The import's checks of the file apply."""
    upload = readers.upload(path, filename)
    namen = upload.lagen()
    if laag is not None and laag not in namen:
        raise InvalidInput(
            f"'{filename}' heeft geen laag '{laag}'.",
            [FieldError("laag", f"Kies uit: {', '.join(namen[:MAX_LAAGNAMEN])}.", "kies_laag")],
        )
    gekozen = [laag] if laag is not None else namen[:MAX_LAGEN]
    # A zip's layer is named by its member's file (as `laag` names it), not by GDAL.
    lagen = [{**_inspect_laag(upload.open(naam), crs, settings), "naam": naam} for naam in gekozen]
    return {
        "bestand": {"naam": filename, "formaat": lagen[0]["formaat"] if lagen else upload.kind},
        "lagen": namen[:MAX_LAAGNAMEN],
        "aantal_lagen": len(namen),
        "geinspecteerd": lagen,
        "kandidaten": importer.KANDIDATEN,
    }


def _inspect_laag(bron: readers.Bron, crs: str | None, settings: Settings) -> dict[str, Any]:
    meldingen = []
    if bron.aantal > settings.max_import_features:
        meldingen.append(
            f"De laag heeft {bron.aantal} features; de grens is {settings.max_import_features}."
        )
    try:
        gekozen_crs = readers.choose_crs(bron, crs).to_string()
        crs_fout = None
    except InvalidInput as exc:
        gekozen_crs, crs_fout = None, exc.errors[0].as_dict() if exc.errors else None
    voorbeelden: dict[str, list[str]] = {veld: [] for veld in bron.velden}
    for row in _eerste(bron, VOORBEELD_FEATURES):
        for veld, values in voorbeelden.items():
            value = row.get(veld)
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # a year in a column with gaps is a float
            text = importer.text_of(value)
            if text is not None and len(values) < VOORBEELDEN:
                text = text if len(text) <= VOORBEELD_CHARS else f"{text[:VOORBEELD_CHARS]}…"
                if text not in values:
                    values.append(text)
    herkomst = "opgegeven" if crs else "RFC 7946" if bron.crs_impliciet else "bestand"
    return {
        "naam": bron.laag,
        "formaat": bron.formaat,
        "geometrietype": bron.geometrietype,
        "aantal": bron.aantal,
        "crs": gekozen_crs,
        "crs_herkomst": herkomst if gekozen_crs else None,
        "crs_fout": crs_fout,
        "velden": [{"naam": v, "voorbeelden": voorbeelden[v]} for v in bron.velden],
        "standaard": importer.standaard_velden(bron.velden),
        "novex": "laag" in bron.velden,
        "meldingen": meldingen,
    }


def _eerste(bron: readers.Bron, most: int) -> list[dict[str, Any]]:
    """Return the properties of the layer's first `most` features (no geometry is built)."""
    try:
        with pyogrio.raw.open_arrow(
            bron.gdal_path,
            layer=bron.laag,
            read_geometry=False,
            batch_size=most,
            use_pyarrow=True,
            **readers.OPEN_OPTIONS.get(bron.formaat, {}),
        ) as (_meta, reader):
            batch = next(iter(reader), None)
            return [] if batch is None else batch.to_pylist()[:most]
    except readers.GDAL_ERRORS as exc:
        raise readers.unreadable(bron.naam, bron.formaat, exc) from None
