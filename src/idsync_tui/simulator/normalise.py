"""Per-platform normalisation and hashing (docs/space-file.md, "Normalisation and hashing"), as one table of rules.

`catalog.NORMALISATION` says, per destination key of Facebook / Google, which rule applies and whether the result
is SHA-256 hashed; this module holds the rules themselves (`RULES`: name -> function and what it does in words) and
builds, once per connection row, the `Encoder` the engine calls for each value. No rule looks at the platform: the
destination key decides, through the catalogue.

A rule takes the value as the profile holds it and the space's `default_phone_country_code` and returns
`(text, problem, info)`: the normalised text, why the platform cannot match it (None when it can) and a note on
something it did to this value that the row's note does not already say (None usually).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from idsync_tui import catalog

# (normalised text, not-matchable reason or None, per-value note or None)
Outcome = tuple[str, str | None, str | None]
RuleFunction = Callable[[str, str | None], Outcome]

_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_ASCII_DIGITS = frozenset("0123456789")
_NOT_DIGITS = str.maketrans("", "", "".join(chr(c) for c in range(128) if not 48 <= c <= 57))
_ZIP_PLUS_4 = re.compile(r"[0-9]{5}-[0-9]{4}")
_SPACES = re.compile(r"\s+")

US_STATES = {
    "alabama": "al",
    "alaska": "ak",
    "arizona": "az",
    "arkansas": "ar",
    "california": "ca",
    "colorado": "co",
    "connecticut": "ct",
    "delaware": "de",
    "districtofcolumbia": "dc",
    "florida": "fl",
    "georgia": "ga",
    "hawaii": "hi",
    "idaho": "id",
    "illinois": "il",
    "indiana": "in",
    "iowa": "ia",
    "kansas": "ks",
    "kentucky": "ky",
    "louisiana": "la",
    "maine": "me",
    "maryland": "md",
    "massachusetts": "ma",
    "michigan": "mi",
    "minnesota": "mn",
    "mississippi": "ms",
    "missouri": "mo",
    "montana": "mt",
    "nebraska": "ne",
    "nevada": "nv",
    "newhampshire": "nh",
    "newjersey": "nj",
    "newmexico": "nm",
    "newyork": "ny",
    "northcarolina": "nc",
    "northdakota": "nd",
    "ohio": "oh",
    "oklahoma": "ok",
    "oregon": "or",
    "pennsylvania": "pa",
    "rhodeisland": "ri",
    "southcarolina": "sc",
    "southdakota": "sd",
    "tennessee": "tn",
    "texas": "tx",
    "utah": "ut",
    "vermont": "vt",
    "virginia": "va",
    "washington": "wa",
    "westvirginia": "wv",
    "wisconsin": "wi",
    "wyoming": "wy",
}

ZERO_IDFA = "00000000-0000-0000-0000-000000000000"


def sha256(text: str) -> str:
    """SHA-256 of the UTF-8 text, as lower-case hex (what Facebook and Google expect)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def looks_hashed(value: str) -> bool:
    """64 hex digits (after trimming): a value that was already SHA-256 hashed before it reached Segment."""
    text = value.strip()
    return len(text) == 64 and _HEX64.fullmatch(text) is not None


def _quoted(value: str) -> str:
    return '"' + value + '"'


# -- the rules ------------------------------------------------------------------------------------------------
def as_is(value: str, country: str | None) -> Outcome:
    return value, None, None


def trimmed(value: str, country: str | None) -> Outcome:
    return value.strip(), None, None


def trimmed_lower(value: str, country: str | None) -> Outcome:
    return value.strip().lower(), None, None


def email(value: str, country: str | None) -> Outcome:
    text = value.strip().lower()
    if _EMAIL.fullmatch(text) is None:
        return text, f"{_quoted(value)} is not an email address (it needs an @ and a domain)", None
    return text, None, None


def _is_zero_id(text: str) -> bool:
    bare = text.strip().replace("-", "")
    return bool(bare) and bare.count("0") == len(bare)


def device_id(value: str, country: str | None) -> Outcome:
    if _is_zero_id(value):
        return value, f"{value} is an all-zero IDFA (the device limits ad tracking)", None
    return value, None, None


def device_id_lower(value: str, country: str | None) -> Outcome:
    text = value.lower()
    if _is_zero_id(text):
        return text, f"{value} is an all-zero IDFA (the device limits ad tracking)", None
    return text, None, None


def _phone(value: str, country: str | None) -> tuple[str | None, str | None, str | None]:
    """(country code and number as digits, problem, info); digits None when the value is sent as is."""
    # Only ASCII digits count; str.translate does that for ASCII text several times faster than a loop.
    digits = value.translate(_NOT_DIGITS) if value.isascii() else "".join(c for c in value if c in _ASCII_DIGITS)
    international = value.lstrip().startswith("+") or digits.startswith("00")
    number = digits.lstrip("0")
    if not number:
        return None, f"{_quoted(value)} has no phone number in it", None
    if international:
        return number, None, None
    if country:
        info = f"{_quoted(value)} has no country code: {country} (the space's default_phone_country_code) put in front"
        return country + number, None, info
    return (
        None,
        f"{_quoted(value)} has no country code and the space sets no default_phone_country_code "
        "(write the number with + and its country code, or set one in [space]); sent as is",
        None,
    )


def phone_digits(value: str, country: str | None) -> Outcome:
    digits, problem, info = _phone(value, country)
    return (value if digits is None else digits), problem, info


def phone_e164(value: str, country: str | None) -> Outcome:
    digits, problem, info = _phone(value, country)
    return (value if digits is None else "+" + digits), problem, info


def _letters(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalpha())


def letters(value: str, country: str | None) -> Outcome:
    text = _letters(value)
    if not text:
        return text, f"{_quoted(value)} has no letters left once spaces, digits and punctuation are removed", None
    return text, None, None


def first_letter(value: str, country: str | None) -> Outcome:
    text = _letters(value)[:1]
    if not text:
        return text, f"{_quoted(value)} has no letter to take the initial from", None
    return text, None, None


def us_state(value: str, country: str | None) -> Outcome:
    text = "".join(c for c in value.lower() if c.isalnum())
    text = US_STATES.get(text, text)
    if not text:
        return text, f"{_quoted(value)} has no letters or digits", None
    return text, None, None


def zip_code(value: str, country: str | None) -> Outcome:
    text = _SPACES.sub("", value.lower())
    if _ZIP_PLUS_4.fullmatch(text) is not None:
        return text[:5], None, None
    if not text:
        return text, f"{_quoted(value)} is empty", None
    return text, None, None


def country_code(value: str, country: str | None) -> Outcome:
    text = value.strip().lower()
    if len(text) == 2 and text.isascii() and text.isalpha():
        return text, None, None
    return text, f"{_quoted(value)} is not a 2-letter ISO 3166-1 country code (write us, gb, ...)", None


_GENDERS = {"m": "m", "male": "m", "f": "f", "female": "f"}


def gender(value: str, country: str | None) -> Outcome:
    text = value.strip().lower()
    code = _GENDERS.get(text)
    if code is None:
        return text, f"{_quoted(value)} is not a gender Facebook reads (m or f; male and female are accepted)", None
    return code, None, None


def _date_part(value: str, width: int, low: int, high: int, what: str) -> Outcome:
    text = value.strip()
    if text and all(c in _ASCII_DIGITS for c in text):
        number = int(text)
        padded = str(number).zfill(width)
        if low <= number <= high:
            return padded, None, None
        return padded, f"{_quoted(value)} is not {what}", None
    return text, f"{_quoted(value)} is not {what}", None


def year(value: str, country: str | None) -> Outcome:
    return _date_part(value, 4, 1, 9999, "a year (YYYY)")


def month(value: str, country: str | None) -> Outcome:
    return _date_part(value, 2, 1, 12, "a month (01-12)")


def day(value: str, country: str | None) -> Outcome:
    return _date_part(value, 2, 1, 31, "a day of the month (01-31)")


@dataclass(frozen=True, slots=True)
class Rule:
    function: RuleFunction
    does: str  # what the rule does, in the words of a note: "trimmed and lower-cased"


RULES: dict[str, Rule] = {
    "as_is": Rule(as_is, "sent as it is"),
    "trimmed": Rule(trimmed, "trimmed"),
    "trimmed_lower": Rule(trimmed_lower, "trimmed and lower-cased"),
    "email": Rule(email, "trimmed and lower-cased"),
    "device_id": Rule(device_id, "sent as it is"),
    "device_id_lower": Rule(device_id_lower, "lower-cased (hyphens kept)"),
    "phone_digits": Rule(phone_digits, "reduced to country code and number, digits only, no leading zeros"),
    "phone_e164": Rule(phone_e164, "written in E.164 (+, country code and number, digits only)"),
    "letters": Rule(letters, "lower-cased, letters only (no spaces, digits or punctuation)"),
    "first_letter": Rule(first_letter, "reduced to its first letter, lower-cased"),
    "us_state": Rule(us_state, "lower-cased without spaces or punctuation (a US state name becomes its code)"),
    "zip": Rule(zip_code, "lower-cased without spaces (a US ZIP+4 keeps its first 5 digits)"),
    "country": Rule(country_code, "lower-cased (a 2-letter ISO 3166-1 code)"),
    "gender": Rule(gender, "reduced to m or f"),
    "year": Rule(year, "written as a 4-digit year (YYYY)"),
    "month": Rule(month, "written as a 2-digit month (MM)"),
    "day": Rule(day, "written as a 2-digit day (DD)"),
}


class Encoder:
    """How one connection row sends each value: `encode(value) -> (sent, matchable, note or None)`."""

    __slots__ = ("key", "function", "hashed", "country", "note", "platform")

    def __init__(self, key: str, rule: str, hashed: bool, country: str | None, platform: str) -> None:
        self.key = key
        self.function = RULES[rule].function
        self.hashed = hashed
        self.country = country
        self.platform = platform
        self.note = ""

    def encode(self, value: str) -> tuple[str, bool, str | None]:
        text, problem, info = self.function(value, self.country)
        if self.hashed:
            if len(value) >= 64 and looks_hashed(value):
                # The value is a hash: what the rule thinks of it as an email or a phone says nothing useful.
                problem = (
                    f"{value.strip()} already looks hashed (64 hex digits): hashed again, as Segment does, and "
                    f"{self.platform} will not match a double-hashed value"
                )
            normalised = text
            text = hashlib.sha256(text.encode("utf-8")).hexdigest()
            if problem is None and info is None and normalised != value:  # the hash hides it: say what was hashed
                info = f"{_quoted(value)} -> {_quoted(normalised)} before hashing"
        if problem is None:
            return text, True, None if info is None else f"{self.key}: {info}"
        if info is not None:
            return text, False, f"{self.key}: {info}; {problem}: not matchable"
        return text, False, f"{self.key}: {problem}: not matchable"


def encoder(destination_type: str, segment: str, key: str, country: str | None) -> Encoder | None:
    """The encoder for values of `segment` sent to `key` of this destination type, or None (raw values)."""
    found = catalog.normalisation(destination_type, key)
    if found is None:
        return None
    rule, hashed = found
    platform = catalog.DESTINATION_TYPE_LABELS.get(destination_type, destination_type)
    made = Encoder(key, rule, hashed, country, platform)
    does = RULES[rule].does
    if hashed:
        made.note = f"{key}: {segment} {does}, then SHA-256 hashed for {platform}"
    elif does == "sent as it is":
        made.note = f"{key}: {segment} sent unhashed, as it is ({platform} takes {key} as it is)"
    else:
        made.note = f"{key}: {segment} {does}, sent unhashed ({platform} takes {key} unhashed)"
    return made
