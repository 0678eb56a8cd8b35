"""The injected clock and the runtime settings: environment, cme.toml, and their errors."""

from __future__ import annotations

import stat
from datetime import UTC, date
from pathlib import Path

import pytest

from missing_education import services
from missing_education.clock import LONDON, ClockError, moment, now, today
from missing_education.persistence import SqlUnitOfWork
from missing_education.settings import SettingsError, load_settings


def config(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "cme.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_cme_today_sets_the_day() -> None:
    assert today() == date(2026, 11, 25)


@pytest.mark.parametrize("day", ["2026-11-25", "2026-07-01", "2027-03-28", "2026-10-25"])
def test_now_lands_on_the_injected_day_in_london(day: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CME_TODAY", day)
    moment = now()
    assert moment.tzinfo is UTC
    assert moment.astimezone(LONDON).date() == date.fromisoformat(day)


def test_a_moment_lands_on_the_day_it_is_given_whatever_cme_today_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CME_TODAY", "2026-11-25")

    stamped = moment(date(2027, 2, 3))

    assert stamped.tzinfo is UTC
    assert stamped.astimezone(LONDON).date() == date(2027, 2, 3)


def test_an_intake_stamps_the_case_history_with_the_day_it_was_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from missing_education.domain import NOTIFICATION_COLUMNS
    from synthetic.council import synthetic_notifications, write_csv

    monkeypatch.setenv("CME_TODAY", "2026-11-25")
    monkeypatch.setenv("CME_HOME", str(tmp_path))
    monkeypatch.setenv("CME_DATABASE_URL", f"sqlite:///{tmp_path / 'cases.db'}")
    settings = load_settings()
    path = write_csv(
        tmp_path / "n.csv",
        synthetic_notifications(1, seed=3, referral_date=date(2026, 11, 30)),
        NOTIFICATION_COLUMNS,
    )

    services.ingest_file(
        SqlUnitOfWork(settings.effective_database_url),
        path,
        settings=settings,
        today=date(2026, 12, 1),
    )

    with SqlUnitOfWork(settings.effective_database_url) as uow:
        history = uow.cases.get(1).history
    assert {entry.at.astimezone(LONDON).date() for entry in history} == {date(2026, 12, 1)}


def test_a_cme_today_that_is_not_a_date_is_a_clock_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CME_TODAY", "25/11/2026")
    with pytest.raises(ClockError, match="CME_TODAY must be a date written YYYY-MM-DD"):
        today()
    with pytest.raises(ClockError):
        now()


def test_the_defaults_need_no_configuration() -> None:
    settings = load_settings()
    assert settings.timescales.school_enquiry_reply == 10
    assert settings.timescales.not_located_escalation == 20
    assert settings.intake_batch_size == 500
    assert settings.retention_years == 7


def test_a_timescale_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CME_TIMESCALES_SCHOOL_ENQUIRY_REPLY", "12")
    assert load_settings().timescales.school_enquiry_reply == 12


def test_settings_come_from_cme_toml_in_cme_home(isolated_home: Path) -> None:
    config(
        isolated_home,
        "retention_years = 25\n"
        "intake_batch_size = 50\n"
        "[timescales]\nschool_enquiry_reply = 12\nhome_visit = 3\n"
        '[council]\ncouncil_name = "Derbyshire County Council"\n'
        'postcode_districts = ["DE4", "DE5"]\n'
        "[mail]\nsmtp_starttls = true\n",
    )
    settings = load_settings()
    assert (settings.timescales.school_enquiry_reply, settings.timescales.home_visit) == (12, 3)
    assert settings.council.council_name == "Derbyshire County Council"
    assert settings.council.postcode_districts == ("DE4", "DE5")
    assert settings.mail.smtp_starttls is True
    assert (settings.retention_years, settings.intake_batch_size) == (25, 50)


def test_cme_config_names_another_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = config(tmp_path / "elsewhere", "[timescales]\nhome_visit = 4\n")
    monkeypatch.setenv("CME_CONFIG", str(path))
    assert load_settings().timescales.home_visit == 4


def test_a_cme_config_that_does_not_exist_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CME_CONFIG", str(tmp_path / "nowhere.toml"))
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings()


def test_the_environment_beats_the_file(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config(isolated_home, "intake_batch_size = 50\n[timescales]\nschool_enquiry_reply = 12\n")
    monkeypatch.setenv("CME_TIMESCALES_SCHOOL_ENQUIRY_REPLY", "15")
    monkeypatch.setenv("CME_INTAKE_BATCH_SIZE", "7")
    settings = load_settings()
    assert settings.timescales.school_enquiry_reply == 15
    assert settings.intake_batch_size == 7


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[timescales]\nschool_enquiry_replies = 12\n",
            "unknown setting [timescales] school_enquiry_replies",
        ),
        ("[timescale]\nschool_enquiry_reply = 12\n", "unknown setting [timescale]"),
        ("retention_yeras = 3\n", "unknown setting retention_yeras"),
        ("timescales = 12\n", "[timescales] must be a table"),
    ],
)
def test_an_unknown_key_in_the_file_is_an_error(
    isolated_home: Path, text: str, message: str
) -> None:
    config(isolated_home, text)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert message in str(raised.value)


@pytest.mark.parametrize(
    "text",
    [
        '[timescales]\nschool_enquiry_reply = "soon"\n',
        "[timescales]\nschool_enquiry_reply = -1\n",
        "[timescales]\nschool_enquiry_reply = 12.5\n",
        "[timescales]\nschool_enquiry_reply = true\n",
        '[mail]\nsmtp_starttls = "perhaps"\n',
        'retention_years = "seven"\n',
        "database_url = 5\n",
    ],
)
def test_a_bad_value_in_the_file_is_an_error(isolated_home: Path, text: str) -> None:
    config(isolated_home, text)
    with pytest.raises(SettingsError, match="cannot be"):
        load_settings()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CME_TIMESCALES_SCHOOL_ENQUIRY_REPLY", "ten"),
        ("CME_TIMESCALES_HOME_VISIT", "-5"),
        ("CME_MAIL_SMTP_STARTTLS", "perhaps"),
        ("CME_MAIL_SMTP_PORT", ""),
        ("CME_RETENTION_YEARS", "seven"),
        ("CME_INTAKE_BATCH_SIZE", "lots"),
    ],
)
def test_a_bad_value_in_the_environment_is_an_error(
    name: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value) == f"setting {name} cannot be {value!r}"


@pytest.mark.parametrize(("value", "expected"), [("yes", True), ("0", False), ("FALSE", False)])
def test_a_switch_is_read_from_the_environment(
    value: str, expected: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CME_MAIL_SMTP_STARTTLS", value)
    assert load_settings().mail.smtp_starttls is expected


def test_a_file_that_is_not_toml_is_an_error(isolated_home: Path) -> None:
    config(isolated_home, "[timescales\n")
    with pytest.raises(SettingsError, match="is not valid TOML"):
        load_settings()


def test_the_default_database_is_a_sqlite_file_under_cme_home(isolated_home: Path) -> None:
    settings = load_settings()
    assert settings.home == isolated_home
    expected = isolated_home.resolve() / "cme.sqlite3"
    assert settings.effective_database_url == f"sqlite:///{expected}"


def test_cme_database_url_chooses_another_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CME_DATABASE_URL", "postgresql+psycopg://cme@db/cme")
    assert load_settings().effective_database_url == "postgresql+psycopg://cme@db/cme"


def test_the_sqlite_file_is_readable_by_its_owner_only(isolated_home: Path) -> None:
    url = load_settings().effective_database_url
    assert services.list_cases(SqlUnitOfWork(url)) == []
    database = isolated_home / "cme.sqlite3"
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    for companion in isolated_home.glob("cme.sqlite3-*"):  # the WAL and its index
        assert stat.S_IMODE(companion.stat().st_mode) == 0o600, companion.name
