"""Runtime settings, read once from the environment and an optional TOML file (`CME_CONFIG`).

Every setting has one home here. Precedence: environment variable, then the config file,
then the default. The config file is `CME_CONFIG`, or `CME_HOME/cme.toml` when it exists.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from missing_education.domain.residence import parse_other_councils


class SettingsError(ValueError):
    """A setting has a value the service cannot use."""


@dataclass(frozen=True)
class Timescales:
    """The procedure's time limits (docs/domain.md section 4): school days unless named `_days`.

    Each default is tagged with where it comes from:
    [S] statute, regulations or the statutory School Admissions Code: the law sets it;
    [L] one council's published practice: councils differ, so it is a setting;
    [?] not confirmed in any source: a setting until a council confirms its own figure.
    """

    school_enquiry_reply: int = 10  # [L] reply due in 10 school days
    home_visit: int = 5  # [L] visit within 5 school days of assignment
    secure_place: int = 7  # [L] family found: 7 school days to secure a place or evidence EHE
    admissions_decision: int = 15  # [S] School Admissions Code: in-year decision in 15 school days
    fair_access_place: int = 20  # [L] Fair Access Protocol: place within 20 school days
    not_located_escalation: int = 20  # [L] not located within 20 school days: escalate
    handover_confirmation: int = 20  # [?] other council confirms roll within 20 school days
    s437_notice_days: int = 15  # [S] Education Act 1996 s437(1): at least 15 days (calendar)
    calling_card_callback_days: int = 5  # [L] family asked to call back within N days (calendar)
    monitoring_interval_days: int = 28  # [?] "monthly" review of whereabouts-unknown cases
    reminder_grace: int = 5  # [L] school days after a reminder before escalating to the manager
    # The attendance order route (Education Act 1996 ss437-443) and the post it depends on.
    s438_choice_days: int = 15  # [S] s438: days (from service) the parent has to choose a school
    attendance_order_register_days: int = 10  # [?] school days to register the child at the school
    post_deemed_service_days: int = 2  # [S] posted letters deemed served on the 2nd business day
    post_min_reply_days: int = 2  # [L] a posted letter keeps at least N days after delivery


@dataclass(frozen=True)
class CouncilDetails:
    """The letterhead and the officer contact that letters show."""

    council_name: str = "Synthetic County Council"
    service_name: str = "Children Missing Education Service"
    address_lines: tuple[str, ...] = ("County Hall", "Smedley Street", "Matlock", "DE4 3AG")
    phone: str = "01629 000000"
    email: str = "cme@synthetic-county.example"
    signatory_name: str = "Alex Morgan"
    signatory_role: str = "Children Missing Education Coordinator"
    logo_path: str = ""
    # Postcode districts ("DE4") or areas ("DE") that are the council's area: a child whose
    # postcode is elsewhere is handed to their council at triage. Empty: everyone is ours.
    postcode_districts: tuple[str, ...] = ()
    # Neighbouring councils' CME officers, "PREFIX: Council name <email>", for handovers.
    other_councils: tuple[str, ...] = ()


@dataclass(frozen=True)
class Contacts:
    """Where referrals and escalations go (email), and what letters tell families."""

    mash_email: str = "mash@synthetic-county.example"
    mash_phone: str = "01629 533190"
    police_email: str = "missing.persons@police.example"
    manager_name: str = "CME Team Manager"
    manager_email: str = "cme.manager@synthetic-county.example"
    admissions_email: str = "admissions@synthetic-county.example"
    fair_access_email: str = "fair.access@synthetic-county.example"
    ehe_team_email: str = "ehe@synthetic-county.example"
    # A child missing from care: the authority looking after them is told at once [G].
    responsible_authority_email: str = "children.in.care@synthetic-county.example"
    # An armed forces family moving on: the service's education advisers are told [?].
    armed_forces_email: str = "ceas@armed-forces.example"
    # A school attendance order not complied with: referred for prosecution (s443) [L].
    attendance_enforcement_email: str = "attendance.enforcement@synthetic-county.example"
    admissions_url: str = "https://www.synthetic-county.example/school-admissions"
    privacy_notice_url: str = ""


@dataclass(frozen=True)
class Mail:
    """SMTP delivery of letters to schools, councils and agencies."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    sender: str = "cme@synthetic-county.example"
    max_attempts: int = 8
    retry_base_seconds: int = 60


@dataclass(frozen=True)
class Matching:
    """The operating point of record matching (docs/matching.md shows what each value gives)."""

    match_threshold: float = 0.85  # score at or above which a candidate is linked
    possible_threshold: float = 0.05  # score at or above which a person is asked to look


@dataclass(frozen=True)
class Web:
    """The case workspace: where it listens, its public address, and its sign-in rules."""

    host: str = "127.0.0.1"
    port: int = 8400
    # The address people open (behind the reverse proxy in production), used in links.
    url: str = ""
    session_minutes: int = 30  # a session ends after this long without a request
    session_hours: int = 12  # and this long after signing in, however busy
    login_attempts: int = 5  # wrong passwords before a name is locked out for a while
    lockout_minutes: int = 15

    @property
    def base_url(self) -> str:
        """CME_WEB_URL, or the address `cme web` listens on."""
        return (self.url or f"http://{self.host}:{self.port}").rstrip("/")

    # The Prefect UI people open, for links from a case page to its runs; empty: the UI of
    # PREFECT_UI_URL, or of PREFECT_API_URL (its address without /api), when either is set.
    prefect_url: str = ""

    def case_url(self, reference: str) -> str:
        """The case page of a case reference (CME-000123): for Prefect prompts and artifacts."""
        return f"{self.base_url}/cases/{reference}"

    def run_url(self, flow_run_id: str) -> str:
        """A flow run's page in the Prefect UI, or "" when no Prefect UI is known."""
        base = self.prefect_url.rstrip("/")
        if not base:
            api = os.environ.get("PREFECT_UI_URL") or os.environ.get("PREFECT_API_URL", "")
            base = api.rstrip("/").removesuffix("/api")
        return f"{base}/runs/flow-run/{flow_run_id}" if base and flow_run_id else ""


@dataclass(frozen=True)
class Settings:
    """Everything the service needs to know about where it runs and how the council works."""

    home: Path = Path("cme-data")
    database_url: str = ""
    timescales: Timescales = field(default_factory=Timescales)
    council: CouncilDetails = field(default_factory=CouncilDetails)
    mail: Mail = field(default_factory=Mail)
    contacts: Contacts = field(default_factory=Contacts)
    matching: Matching = field(default_factory=Matching)
    web: Web = field(default_factory=Web)
    retention_years: int = 7
    # Days an uploaded file refused whole (or never taken in) stays held before retention drops it.
    held_file_days: int = 30
    intake_batch_size: int = 500
    # The renderer: letters typeset per commit, and typesetting processes, its own included
    # (0: one per usable core).
    typeset_batch_size: int = 200
    typeset_workers: int = 0
    # The daily sweep: overdue cases claimed and acted on per commit.
    sweep_batch_size: int = 200

    @property
    def effective_database_url(self) -> str:
        """The SQLAlchemy URL: CME_DATABASE_URL, or a SQLite file under CME_HOME."""
        return self.database_url or f"sqlite:///{(self.home / 'cme.sqlite3').resolve()}"

    @property
    def letters_dir(self) -> Path:
        """Where rendered letters are kept as evidence."""
        return self.home / "letters"

    @property
    def inbox_dir(self) -> Path:
        """Where schools' and agencies' notification files arrive."""
        return self.home / "inbox"


# Settings outside any section, read from CME_<NAME>; sections use CME_<SECTION>_<NAME>.
_FLAT = (
    "database_url",
    "retention_years",
    "held_file_days",
    "intake_batch_size",
    "typeset_batch_size",
    "typeset_workers",
    "sweep_batch_size",
)
_SECTIONS = {
    "timescales": Timescales,
    "council": CouncilDetails,
    "mail": Mail,
    "contacts": Contacts,
    "matching": Matching,
    "web": Web,
}


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def _coerce(value: Any, default: Any, name: str) -> Any:
    # Refuse rather than guess: a mistyped timescale must not quietly become another one.
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
    elif isinstance(default, int):
        # TOML true is an int to Python, and int(12.5) would drop the half without a word.
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str):
            try:
                number = int(value)
            except ValueError:
                number = None
        if number is not None and number >= 0:
            return number
    elif isinstance(default, float):
        # A share or a score (matching thresholds): a number from 0 to 1.
        share: float | None = None
        if isinstance(value, int | float) and not isinstance(value, bool):
            share = float(value)
        elif isinstance(value, str):
            try:
                share = float(value)
            except ValueError:
                share = None
        if share is not None and 0.0 <= share <= 1.0:
            return share
    elif isinstance(default, tuple):
        if isinstance(value, list | tuple):
            return tuple(str(v) for v in value)
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split("|") if part.strip())
    elif isinstance(default, Path):
        if isinstance(value, str):
            return Path(value)
    elif isinstance(value, str):
        return value
    raise SettingsError(f"setting {name} cannot be {value!r}")


def _section(cls: type[Any], table: dict[str, Any], prefix: str) -> Any:
    instance = cls()
    changes: dict[str, Any] = {}
    if not isinstance(table, dict):
        raise SettingsError(f"[{prefix.lower()}] must be a table of settings")
    known = {f.name for f in fields(cls)}
    for key in table:
        if key not in known:
            raise SettingsError(f"unknown setting [{prefix.lower()}] {key}")
    for f in fields(cls):
        env_name = f"CME_{prefix}_{f.name}".upper()
        if env_name in os.environ:
            changes[f.name] = _coerce(os.environ[env_name], getattr(instance, f.name), env_name)
        elif f.name in table:
            changes[f.name] = _coerce(table[f.name], getattr(instance, f.name), f.name)
    return replace(instance, **changes)


def load_settings() -> Settings:
    """Read the settings from the environment and the config file."""
    home = Path(os.environ.get("CME_HOME", "cme-data"))
    config_path = Path(os.environ.get("CME_CONFIG", home / "cme.toml"))
    table: dict[str, Any] = {}
    if config_path.is_file():
        try:
            table = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise SettingsError(f"{config_path} is not valid TOML: {error}") from None
    elif "CME_CONFIG" in os.environ:
        raise SettingsError(f"CME_CONFIG names {config_path}, which does not exist")
    unknown = sorted(set(table) - set(_FLAT) - set(_SECTIONS))
    if unknown:
        key = unknown[0]
        raise SettingsError(
            f"unknown setting [{key}]" if isinstance(table[key], dict) else f"unknown setting {key}"
        )
    sections = {name: _section(cls, table.get(name, {}), name) for name, cls in _SECTIONS.items()}
    defaults, flat = Settings(), {}
    for name in _FLAT:
        env_name = f"CME_{name}".upper()
        if env_name in os.environ:
            flat[name] = _coerce(os.environ[env_name], getattr(defaults, name), env_name)
        elif name in table:
            flat[name] = _coerce(table[name], getattr(defaults, name), name)
    try:
        parse_other_councils(sections["council"].other_councils)
    except ValueError as error:
        raise SettingsError(str(error)) from None
    settings = Settings(home=home, **flat, **sections)
    _check_ranges(settings)
    return settings


# Whole numbers a council may set, and what each may be: a 0 or a 10**20 is a typo, not policy.
_RANGES = {
    "retention_years": (1, 100),
    "held_file_days": (1, 366),
    "intake_batch_size": (1, 100_000),
    "typeset_batch_size": (1, 10_000),
    "typeset_workers": (0, 256),
    "sweep_batch_size": (1, 10_000),
}


def _check_ranges(settings: Settings) -> None:
    values = {name: getattr(settings, name) for name in _RANGES}
    limits = dict(_RANGES)
    for f in fields(Timescales):
        values[f"timescales.{f.name}"] = getattr(settings.timescales, f.name)
        limits[f"timescales.{f.name}"] = (1, 366)
    # Education Act 1996 s437(1): the notice gives the parent at least 15 days.
    limits["timescales.s437_notice_days"] = (15, 366)
    # s438(2): the parent has 15 days from service to choose a school.
    limits["timescales.s438_choice_days"] = (15, 366)
    limits["timescales.post_deemed_service_days"] = (0, 10)
    limits["timescales.post_min_reply_days"] = (0, 60)
    for name, value in values.items():
        low, high = limits[name]
        if not low <= value <= high:
            raise SettingsError(
                f"setting {name} (CME_{name.replace('.', '_').upper()}) must be between "
                f"{low} and {high}, not {value}" + _WHY.get(name, "")
            )


# Limits the law sets, said with the refusal.
_WHY = {
    "timescales.s437_notice_days": (
        ": the Education Act 1996 s437(1) gives the parent not less than 15 days from service"
    ),
    "timescales.s438_choice_days": (
        ": the Education Act 1996 s438 gives the parent 15 days from service to choose a school"
    ),
}
