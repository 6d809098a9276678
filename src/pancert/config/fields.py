"""Field types and pure validators shared by pancert's configuration models.

Each validator raises :func:`invalid`, whose message and allowed-values text become one
``file: field: problem (allowed: …)`` line (see :func:`problems_from`). Nothing here does I/O.
"""

from __future__ import annotations

import difflib
import functools
import ipaddress
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ValidationError, ValidationInfo
from pydantic_core import PydanticCustomError

from pancert.errors import Problem

TRUE_WORDS = frozenset({"true", "yes", "on"})
FALSE_WORDS = frozenset({"false", "no", "off"})
BOOL_ALLOWED = "true/false, yes/no, on/off (any case)"
MIN_SECRET_LENGTH = 8
"""Shorter values are refused: redaction could not mask them without mangling innocent text."""

# ISO 3166-1 alpha-2, officially assigned codes.
_COUNTRY_TABLE = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO
    DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU
    GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW
    KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU
    MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW
    PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
    TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA
    ZM ZW"""
COUNTRIES = frozenset(_COUNTRY_TABLE.split())

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")


def invalid(message: str, allowed: str | None = None) -> PydanticCustomError:
    """The error every validator raises; ``allowed`` ends up in ``(allowed: …)``."""
    return PydanticCustomError("pancert", "{message}", {"message": message, "allowed": allowed})


def parse_bool(value: Any) -> bool:
    """YAML 1.2 reads ``yes``/``on`` as strings; the Sectigo agent's users write them anyway."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise invalid(f"{value!r} is not a boolean", BOOL_ALLOWED)


def parse_int(value: Any) -> Any:
    """Accept quoted numbers (the guide writes ``sectigo_csr_key_size: "3072"``)."""
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value.strip())
    return value


def parse_optional_text(value: Any) -> Any:
    """Empty strings in users' files mean "not set"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value.strip() if isinstance(value, str) else value


def profile_name(text: str) -> str:
    """The profile name a file name or ``-p`` value stands for: ``web.yaml``, ``web.YML``
    and ``web`` all name ``web`` (the one place the suffix is stripped)."""
    name = text.strip()
    for suffix in (".yaml", ".yml"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def split_list(value: Any) -> Any:
    """A comma-separated string or a YAML list, as a list of non-empty stripped strings."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple):
        return [str(part).strip() for part in value if str(part).strip()]
    return value


Bool = Annotated[bool, BeforeValidator(parse_bool)]
Int = Annotated[int, BeforeValidator(parse_int)]
OptionalText = Annotated[str | None, BeforeValidator(parse_optional_text)]


def check_dns_name(value: str, *, allow_ip: bool) -> str:
    """A DNS name (leftmost label may be ``*``), or an IP address when ``allow_ip``."""
    name = value.strip().lower().rstrip(".")
    if allow_ip:
        try:
            return str(ipaddress.ip_address(name))
        except ValueError:
            pass
    labels = name.split(".")
    if labels and labels[0] == "*":
        labels = labels[1:]
    if (
        len(name) > 253
        or len(labels) < 1
        or not all(_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        allowed = "a DNS name such as www.example.com or *.example.com"
        raise invalid(f"{value!r} is not a valid name", allowed + (" or an IP" if allow_ip else ""))
    return name


def check_email(value: str) -> str:
    if not _EMAIL.match(value):
        raise invalid(f"{value!r} is not an email address", "name@example.com")
    return value


def resolve_path(value: str | Path, info: ValidationInfo) -> Path:
    """Relative paths resolve against the folder of the file that holds them (``base`` in the
    validation context). Windows users write ``\\\\`` separators; on POSIX they become ``/``."""
    text = str(value)
    if os.name != "nt" and "\\" in text and not re.match(r"^[A-Za-z]:", text):
        text = re.sub(r"\\+", "/", text)
    path = Path(text).expanduser()
    base = (info.context or {}).get("base")
    if not path.is_absolute() and isinstance(base, Path):
        path = base / path
    return path


def yaml_keys(model: type[BaseModel]) -> dict[str, str]:
    """Every YAML key a model accepts (lower case) → its field name. Fields without an alias
    are filled in by the loader, never from the file."""
    return dict(_yaml_keys(model))


@functools.cache
def _yaml_keys(model: type[BaseModel]) -> dict[str, str]:
    # a model's fields are fixed once its class exists; the loader asks once per file
    keys: dict[str, str] = {}
    for name, info in model.model_fields.items():
        choices: list[str] = []
        if info.alias:
            choices.append(info.alias)
        validation_alias = info.validation_alias
        if validation_alias is not None and not isinstance(validation_alias, str):
            choices.extend(str(c) for c in getattr(validation_alias, "choices", ()))
        elif isinstance(validation_alias, str):
            choices.append(validation_alias)
        for choice in choices:
            keys[choice.lower()] = name
    return keys


def prepare(
    raw: Mapping[Any, Any], model: type[BaseModel], file: str
) -> tuple[dict[str, Any], list[str], list[Problem]]:
    """Match keys case-insensitively; return (data, warnings, problems).

    Unknown keys warn and are dropped, never fail: users' files carry keys of Sectigo's SDK
    that pancert does not use. Two spellings of one field in one file are a problem.
    """
    known = yaml_keys(model)
    data: dict[str, Any] = {}
    seen: dict[str, str] = {}
    warnings: list[str] = []
    problems: list[Problem] = []
    for key, value in raw.items():
        text = str(key)
        lower = text.strip().lower()
        if lower not in known:
            close = difflib.get_close_matches(lower, sorted(known), n=1, cutoff=0.75)
            hint = f" (did you mean {close[0]}?)" if close else ""
            warnings.append(f"{file}: {text}: unknown key{hint}")
            continue
        field = known[lower]
        if field in seen:
            problems.append(Problem(file, text, f"duplicates {seen[field]}", "one of them"))
            continue
        seen[field] = text
        data[lower] = value
    return data, warnings, problems


_FRIENDLY = {
    "missing": "required",
    "int_parsing": "not a whole number",
    "int_type": "not a whole number",
    "int_from_float": "not a whole number",
    "float_parsing": "not a number",
    "float_type": "not a number",
    "string_type": "not text",
    "dict_type": "not a mapping",
    "list_type": "not a list",
    "tuple_type": "not a list",
    "literal_error": "not an allowed value",
}


def _length(kind: str, ctx: dict[str, Any]) -> tuple[str, str]:
    """pydantic's length errors ("String should have at most 128 characters") as the
    problem and what is allowed, like every other field."""
    if kind == "string_too_long":
        return "too long", f"at most {_count(ctx['max_length'], 'character', 'characters')}"
    least = ctx["min_length"]
    if kind == "string_too_short":
        problem, allowed = "too short", _count(least, "character", "characters")
    else:
        problem, allowed = "too few entries", _count(least, "entry", "entries")
    return ("empty" if least == 1 else problem), f"at least {allowed}"


def _count(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


_LENGTHS = {"string_too_short", "string_too_long", "too_short"}


def problems_from(error: ValidationError, file: str, prefix: str = "") -> list[Problem]:
    """One :class:`Problem` per pydantic error, named by the YAML key the user wrote
    (under ``prefix``, e.g. a credential label)."""
    problems = []
    for item in error.errors(include_url=False):
        loc = [str(part) for part in item["loc"]]
        field = loc[0] if loc else ""
        field += "".join(f"[{part}]" for part in loc[1:])
        field = ".".join(part for part in (prefix, field) if part)
        ctx = item.get("ctx") or {}
        if item["type"] == "pancert":
            message, allowed = str(ctx["message"]), ctx.get("allowed")
        elif item["type"] in _FRIENDLY and item["input"] is None:
            # `key:` with nothing after it: YAML reads null, which is no type at all
            message, allowed = "empty", _FRIENDLY[item["type"]].removeprefix("not ")
        elif item["type"] in _LENGTHS:
            message, allowed = _length(item["type"], ctx)
        else:
            message = _FRIENDLY.get(item["type"], item["msg"])
            allowed = ctx.get("expected")
            if item["type"] in {"greater_than_equal", "less_than_equal", "greater_than"}:
                message = item["msg"].lower()
        problems.append(Problem(file, field, message, str(allowed) if allowed else None))
    return problems
