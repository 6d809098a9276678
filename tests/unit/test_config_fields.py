"""The shared field rules of every configuration file (``config/fields.py``), value by value.

Expected values are written out from the README's "Configuration" section (rules for every
file), not read from the module's own tables.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import BaseModel, Field, ValidationError
from pydantic_core import PydanticCustomError

from pancert.config import fields
from pancert.config.fields import (
    check_dns_name,
    check_email,
    invalid,
    parse_bool,
    parse_int,
    parse_optional_text,
    prepare,
    problems_from,
    profile_name,
    split_list,
    yaml_keys,
)
from pancert.config.models import AppConfig, FirewallProfile
from pancert.errors import Problem

BOOL_HELP = "true/false, yes/no, on/off (any case)"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(True, True, id="bool-true"),
        pytest.param(False, False, id="bool-false"),
        pytest.param("true", True, id="true"),
        pytest.param(" TRUE ", True, id="true-upper-padded"),
        pytest.param("Yes", True, id="yes"),
        pytest.param("on", True, id="on"),
        pytest.param("false", False, id="false"),
        pytest.param("NO", False, id="no-upper"),
        pytest.param(" off\n", False, id="off-padded"),
    ],
)
def test_boolean_words(value: Any, expected: bool) -> None:
    assert parse_bool(value) is expected


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param("maybe", "'maybe'", id="word"),
        pytest.param("y", "'y'", id="letter"),
        pytest.param("1", "'1'", id="digit-text"),
        pytest.param(1, "1", id="number"),
        pytest.param(None, "None", id="null"),
    ],
)
def test_other_values_are_no_boolean(value: Any, shown: str) -> None:
    with pytest.raises(PydanticCustomError) as caught:
        parse_bool(value)
    assert str(caught.value) == f"{shown} is not a boolean"
    assert caught.value.context == {
        "message": f"{shown} is not a boolean",
        "allowed": BOOL_HELP,
    }


def test_a_raised_rule_reads_as_its_message() -> None:
    error = invalid("is empty", "a name")
    assert error.type == "pancert"
    assert str(error) == "is empty"
    assert error.context == {"message": "is empty", "allowed": "a name"}
    assert invalid("is empty").context == {"message": "is empty", "allowed": None}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("3072", 3072, id="quoted"),
        pytest.param(" 3072 ", 3072, id="quoted-padded"),
        pytest.param("+7", 7, id="plus"),
        pytest.param("-1", -1, id="minus"),
        pytest.param("3.5", "3.5", id="decimal-left-as-is"),
        pytest.param("big", "big", id="word-left-as-is"),
        pytest.param("X12", "X12", id="letter-first-left-as-is"),
        pytest.param(12, 12, id="number"),
    ],
)
def test_quoted_whole_numbers(value: Any, expected: Any) -> None:
    assert parse_int(value) == expected
    assert type(parse_int(value)) is type(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, None, id="null"),
        pytest.param("", None, id="empty"),
        pytest.param(" \t", None, id="blank"),
        pytest.param(" admin ", "admin", id="padded"),
        pytest.param(5, 5, id="number-left-for-the-type"),
    ],
)
def test_optional_text(value: Any, expected: Any) -> None:
    assert parse_optional_text(value) == expected


@pytest.mark.parametrize(
    ("text", "name"),
    [
        pytest.param("web", "web", id="bare"),
        pytest.param(" web.yaml ", "web", id="yaml-padded"),
        pytest.param("web.YML", "web", id="yml-upper"),
        pytest.param("web.Yaml", "web", id="yaml-mixed"),
        pytest.param("web.yml.yaml", "web.yml", id="one-suffix-only"),
        pytest.param("webyaml", "webyaml", id="no-dot"),
    ],
)
def test_profile_names(text: str, name: str) -> None:
    assert profile_name(text) == name


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, [], id="null"),
        pytest.param("", [], id="empty"),
        pytest.param("a.example.com", ["a.example.com"], id="one"),
        pytest.param(" a , b,,c , ", ["a", "b", "c"], id="commas"),
        pytest.param([" a ", "", "b", 7], ["a", "b", "7"], id="list"),
        pytest.param(("a", " "), ["a"], id="tuple"),
        pytest.param(5, 5, id="number-left-for-the-type"),
    ],
)
def test_comma_lists(value: Any, expected: Any) -> None:
    assert split_list(value) == expected


NAME_HELP = "a DNS name such as www.example.com or *.example.com"
LONGEST = ("a" * 63 + ".") * 3 + "b" * 61
assert len(LONGEST) == 253


@pytest.mark.parametrize(
    ("value", "allow_ip", "expected"),
    [
        pytest.param(" WWW.Example.COM. ", False, "www.example.com", id="case-dot-space"),
        pytest.param("*.example.com", False, "*.example.com", id="wildcard"),
        pytest.param("localhost", False, "localhost", id="one-label"),
        pytest.param("a-b.example.com", False, "a-b.example.com", id="hyphen-inside"),
        pytest.param("x" * 63 + ".com", False, "x" * 63 + ".com", id="label-63"),
        pytest.param(LONGEST, False, LONGEST, id="253"),
        pytest.param("host.1a", False, "host.1a", id="tld-with-digit"),
        pytest.param("10.0.0.1", True, "10.0.0.1", id="ipv4"),
        pytest.param(" 2001:DB8:0::1 ", True, "2001:db8::1", id="ipv6-canonical"),
    ],
)
def test_names_accepted(value: str, allow_ip: bool, expected: str) -> None:
    assert check_dns_name(value, allow_ip=allow_ip) == expected


@pytest.mark.parametrize(
    ("value", "allow_ip"),
    [
        pytest.param("x" * 64 + ".com", False, id="label-64"),
        pytest.param(LONGEST + "b", False, id="254"),
        pytest.param("-a.example.com", False, id="leading-hyphen"),
        pytest.param("a-.example.com", False, id="trailing-hyphen"),
        pytest.param("a..example.com", False, id="empty-label"),
        pytest.param("a_b.example.com", False, id="underscore"),
        pytest.param("*", False, id="wildcard-alone"),
        pytest.param("a.*.example.com", False, id="inner-wildcard"),
        pytest.param("*.-a.example.com", False, id="bad-label-after-wildcard"),
        pytest.param("10.0.0.1", False, id="ip-where-none-allowed"),
        pytest.param("host.123", True, id="numeric-tld"),
        pytest.param("10.0.0.256", True, id="no-ip-no-name"),
    ],
)
def test_names_refused(value: str, allow_ip: bool) -> None:
    with pytest.raises(PydanticCustomError) as caught:
        check_dns_name(value, allow_ip=allow_ip)
    assert caught.value.context == {
        "message": f"{value!r} is not a valid name",
        "allowed": NAME_HELP + (" or an IP" if allow_ip else ""),
    }


@pytest.mark.parametrize("value", ["a@b.c", "first.last+tag@mail.example.com"])
def test_email_accepted(value: str) -> None:
    assert check_email(value) == value


@pytest.mark.parametrize(
    "value", ["nobody", "a@b", "@b.c", "a@.c", "a b@c.d", "a,b@c.d", "a@b@c.d", "a@b.c "]
)
def test_email_refused(value: str) -> None:
    with pytest.raises(PydanticCustomError) as caught:
        check_email(value)
    assert caught.value.context == {
        "message": f"{value!r} is not an email address",
        "allowed": "name@example.com",
    }


BASE = Path("/etc/pancert")


@pytest.mark.parametrize(
    ("written", "context", "expected"),
    [
        pytest.param("ca.pem", {"base": BASE}, BASE / "ca.pem", id="relative-to-file"),
        pytest.param("/srv/ca.pem", {"base": BASE}, Path("/srv/ca.pem"), id="absolute"),
        pytest.param("certs\\\\ca.pem", {"base": BASE}, BASE / "certs/ca.pem", id="windows-sep"),
        pytest.param("a\\b\\c.pem", {"base": BASE}, BASE / "a/b/c.pem", id="single-backslashes"),
        pytest.param("C:\\ca.pem", {"base": BASE}, BASE / "C:\\ca.pem", id="drive-kept"),
        pytest.param("c:\\ca.pem", {"base": BASE}, BASE / "c:\\ca.pem", id="lower-drive-kept"),
        pytest.param("ca.pem", None, Path("ca.pem"), id="no-context"),
        pytest.param("ca.pem", {"base": "/etc"}, Path("ca.pem"), id="base-not-a-path"),
    ],
)
def test_paths_resolve_against_the_files_folder(
    written: str, context: dict[str, Any] | None, expected: Path
) -> None:
    profile = FirewallProfile.model_validate(
        {"name": "fw", "source": BASE / "fw.yaml", "paloalto_ca_bundle": written},
        context=context,
    )
    assert profile.ca_bundle == expected


def test_on_windows_backslashes_are_left_to_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    # only this module's view of the platform: pathlib itself must stay POSIX here
    monkeypatch.setattr(fields, "os", SimpleNamespace(name="nt"))
    profile = FirewallProfile.model_validate(
        {"name": "fw", "source": BASE / "fw.yaml", "paloalto_ca_bundle": "certs\\ca.pem"},
        context={"base": BASE},
    )
    assert profile.ca_bundle == BASE / "certs\\ca.pem"


def test_a_home_folder_path_is_expanded() -> None:
    profile = FirewallProfile.model_validate(
        {"name": "fw", "source": BASE / "fw.yaml", "paloalto_ca_bundle": "~/ca.pem"},
        context={"base": BASE},
    )
    assert profile.ca_bundle == Path.home() / "ca.pem"


def test_yaml_keys_list_every_alias_in_lower_case() -> None:
    keys = yaml_keys(AppConfig)
    assert keys["sectigo_log_size_mb"] == keys["sectigo_logger_size_mb"] == "log_size_mb"
    assert keys["sectigo_logger_count"] == keys["sectigo_log_count"] == "logger_count"
    assert keys["sectigo_scm_url"] == "scm_url"
    assert "scm_url" not in keys  # field names are not keys
    fw_keys = yaml_keys(FirewallProfile)
    assert "name" not in fw_keys  # filled in by the loader
    assert "source" not in fw_keys
    assert fw_keys["paloalto_url"] == "urls"


FILE = "/etc/pancert/config.yaml"


def test_keys_match_in_any_case_and_unknown_keys_only_warn() -> None:
    raw = {
        " Sectigo_SCM_URL ": "https://scm.example.com",
        "sectigo_log_levle": "DEBUG",
        "sectigo_sdk_thing": 1,
        "SECTIGO_LOGGER_COUNT": 3,
    }
    data, warnings, problems = prepare(raw, AppConfig, FILE)
    assert data == {"sectigo_scm_url": "https://scm.example.com", "sectigo_logger_count": 3}
    assert warnings == [
        f"{FILE}: sectigo_log_levle: unknown key (did you mean sectigo_log_level?)",
        f"{FILE}: sectigo_sdk_thing: unknown key",
    ]
    assert problems == []


def test_two_spellings_of_one_field_are_a_problem_and_later_keys_still_count() -> None:
    raw = {
        "sectigo_log_size_mb": 1,
        "Sectigo_Logger_Size_MB": 2,
        "sectigo_log_count": 4,
        "SECTIGO_LOGGER_COUNT": 5,
        "sectigo_log_level": "DEBUG",
    }
    data, warnings, problems = prepare(raw, AppConfig, FILE)
    assert data == {"sectigo_log_size_mb": 1, "sectigo_log_count": 4, "sectigo_log_level": "DEBUG"}
    assert warnings == []
    assert [str(p) for p in problems] == [
        f"{FILE}: Sectigo_Logger_Size_MB: duplicates sectigo_log_size_mb (allowed: one of them)",
        f"{FILE}: SECTIGO_LOGGER_COUNT: duplicates sectigo_log_count (allowed: one of them)",
    ]


class _Shape(BaseModel):
    """Field types whose pydantic errors the configuration models all produce somewhere."""

    count: int = 0
    ratio: float = 0.0
    label: str = ""
    table: dict[str, int] = Field(default_factory=dict)
    items: list[int] = Field(default_factory=list)
    pair: tuple[int, int] = (0, 0)
    low: int = Field(0, ge=0)
    high: int = Field(0, le=9)
    above: float = Field(1.0, gt=0)
    below: int = Field(0, lt=5)
    mode: str = Field("a", pattern="^a$")
    code: str = Field("abc", min_length=3, max_length=3)
    some: list[int] = Field(default_factory=lambda: [0, 0], min_length=2)
    one: list[int] = Field(default_factory=lambda: [0], min_length=1)
    flag: str = Field("y", max_length=1)


@pytest.mark.parametrize(
    ("data", "line"),
    [
        pytest.param({"count": "many"}, "count: not a whole number", id="int-parsing"),
        pytest.param({"count": [1]}, "count: not a whole number", id="int-type"),
        pytest.param({"count": 2.5}, "count: not a whole number", id="int-from-float"),
        pytest.param({"ratio": "half"}, "ratio: not a number", id="float-parsing"),
        pytest.param({"ratio": [1]}, "ratio: not a number", id="float-type"),
        pytest.param({"label": 5}, "label: not text", id="string-type"),
        pytest.param({"label": None}, "label: empty (allowed: text)", id="string-null"),
        pytest.param({"count": None}, "count: empty (allowed: a whole number)", id="int-null"),
        pytest.param(
            {"code": "ab"}, "code: too short (allowed: at least 3 characters)", id="short"
        ),
        pytest.param({"code": "abcd"}, "code: too long (allowed: at most 3 characters)", id="long"),
        pytest.param(
            {"some": [1]}, "some: too few entries (allowed: at least 2 entries)", id="few"
        ),
        pytest.param({"one": []}, "one: empty (allowed: at least 1 entry)", id="no-entry"),
        pytest.param({"flag": "yn"}, "flag: too long (allowed: at most 1 character)", id="1"),
        pytest.param({"table": [1]}, "table: not a mapping", id="dict-type"),
        pytest.param({"table": {"a": "x"}}, "table[a]: not a whole number", id="nested"),
        pytest.param({"items": 5}, "items: not a list", id="list-type"),
        pytest.param({"items": [1, "x"]}, "items[1]: not a whole number", id="list-item"),
        pytest.param({"pair": 5}, "pair: not a list", id="tuple-type"),
        pytest.param({"low": -1}, "low: input should be greater than or equal to 0", id="ge"),
        pytest.param({"high": 10}, "high: input should be less than or equal to 9", id="le"),
        pytest.param({"above": 0}, "above: input should be greater than 0", id="gt"),
        pytest.param({"below": 5}, "below: Input should be less than 5", id="lt-as-pydantic"),
        pytest.param(
            {"mode": "b"}, "mode: String should match pattern '^a$'", id="other-as-pydantic"
        ),
    ],
)
def test_pydantic_errors_read_as_one_plain_line(data: dict[str, Any], line: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _Shape.model_validate(data)
    assert [str(p) for p in problems_from(caught.value, FILE)] == [f"{FILE}: {line}"]


def test_problems_carry_the_prefix_and_the_allowed_values() -> None:
    with pytest.raises(ValidationError) as caught:
        AppConfig.model_validate(
            {"sectigo_scm_url": "https://scm.example.com", "sectigo_log_level": "TRACE"},
            context={"base": BASE},
        )
    assert problems_from(caught.value, FILE, "MAIN") == [
        Problem(FILE, "MAIN.sectigo_log_level", "not an allowed value", "'INFO' or 'DEBUG'")
    ]
    assert problems_from(caught.value, FILE) == [
        Problem(FILE, "sectigo_log_level", "not an allowed value", "'INFO' or 'DEBUG'")
    ]
    with pytest.raises(ValidationError) as missing:
        AppConfig.model_validate({}, context={"base": BASE})
    assert problems_from(missing.value, FILE) == [Problem(FILE, "sectigo_scm_url", "required")]
