"""Storing a stapeling's faces with COPY: its text format kept whole what it carries."""

from sqlalchemy import text
from sqlalchemy.orm import Session

from gebiedsregie.stapeling import store


def test_copy_keeps_text_arrays_whole(session: Session) -> None:
    # Thema codes are vocabulary, but nothing in one may split it or end its row.
    values = [
        [],
        ["wonen"],
        ["a,b", 'c"d', "e\\f", "g{h}", "i\tj", "k\nl", "m\rn", " o ", "NULL", ""],
    ]
    session.execute(text("CREATE TEMPORARY TABLE kopie (nr serial, a varchar(40)[])"))
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy("COPY kopie (a) FROM STDIN") as copy:
        copy.write("".join(f"{store._text_array(v)}\n" for v in values))
    read = session.execute(text("SELECT a FROM kopie ORDER BY nr")).scalars().all()
    assert read == values
