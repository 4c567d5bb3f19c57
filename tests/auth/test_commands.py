"""`gebiedsregie user …` and `gebiedsregie token …` against a database of their own."""

import io
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from gebiedsregie.app import create_app
from gebiedsregie.cli import main, migrate
from gebiedsregie.settings import Settings
from tests.factories import WACHTWOORD


@pytest.fixture
def cli_database(
    admin_engine_factory: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    url = admin_engine_factory()
    migrate(url)
    monkeypatch.setenv("DATABASE_URL", url)
    yield url


def run(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *argv: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_users_and_tokens_from_the_shell(
    cli_database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        monkeypatch, capsys, "user", "add", "Gerda", "--role", "planner", stdin=WACHTWOORD + "\n"
    )
    assert code == 0 and "gerda (planner)" in out
    code, _, err = run(monkeypatch, capsys, "user", "add", "gerda", "--role", "lezer", stdin="x\n")
    assert code == 2 and "Wachtwoord te kort" in err
    code, _, err = run(
        monkeypatch, capsys, "user", "add", "gerda", "--role", "lezer", stdin=WACHTWOORD + "\n"
    )
    assert code == 2 and "al een gebruiker" in err

    code, out, err = run(monkeypatch, capsys, "token", "create", "gerda", "--dagen", "7")
    assert code == 0
    token = out.strip()
    assert out == token + "\n" and token.startswith("gr_")  # the token alone on stdout
    assert "gerda" in err and "geldig tot" in err

    app = create_app(Settings(database_url=None), cli_database)
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/ik", headers=headers).json()["rol"] == "planner"

        code, _, _ = run(monkeypatch, capsys, "user", "set-role", "gerda", "lezer")
        assert code == 0
        assert client.get("/api/v1/ik", headers=headers).json()["rol"] == "lezer"

        code, out, _ = run(monkeypatch, capsys, "user", "list")
        assert "gerda" in out and "lezer" in out and "lokaal" in out

        code, out, _ = run(monkeypatch, capsys, "token", "list", "gerda")
        token_id = out.splitlines()[1].split()[0]
        assert "geldig" in out and token not in out
        code, out, _ = run(monkeypatch, capsys, "token", "revoke", token_id[:8])
        assert code == 0 and "ingetrokken" in out
        assert client.get("/api/v1/ik", headers=headers).status_code == 401

        code, out, _ = run(monkeypatch, capsys, "token", "create", "gerda")
        fresh = {"Authorization": f"Bearer {out.strip()}"}
        assert client.get("/api/v1/ik", headers=fresh).status_code == 200
        code, out, _ = run(monkeypatch, capsys, "user", "disable", "gerda")
        assert code == 0 and "uitgeschakeld" in out
        assert client.get("/api/v1/ik", headers=fresh).status_code == 401
        code, _, err = run(monkeypatch, capsys, "token", "create", "gerda")
        assert code == 2 and "uitgeschakeld" in err

    code, _, err = run(monkeypatch, capsys, "user", "set-role", "niemand", "planner")
    assert code == 2 and "bestaat niet" in err


def test_the_password_prompt_asks_twice(
    cli_database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter([WACHTWOORD, WACHTWOORD + "!"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    tty = io.StringIO()
    tty.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr("sys.stdin", tty)
    assert main(["user", "add", "henk", "--role", "lezer"]) == 2
    assert "niet gelijk" in capsys.readouterr().err
    answers = iter([WACHTWOORD, WACHTWOORD])
    assert main(["user", "add", "henk", "--role", "lezer"]) == 0
