"""The destination catalogue: default identifiers, destination types, dropdowns and matchers, in one place.

Everything here is a fact from Segment's public docs (see docs/rules.md and docs/space-file.md); the rules, the
simulator and the UI all read it from here so that no list is written twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

DEFAULT_IDENTIFIERS: tuple[str, ...] = (
    "user_id",
    "anonymous_id",
    "email",
    "ios.id",
    "ios.idfa",
    "ios.push_token",
    "android.id",
    "android.idfa",
    "android.push_token",
    "ga_client_id",
    "group_id",
)

# Identity resolution keeps at most this many values per type on a profile (custom identifiers declare theirs).
DEFAULT_LIMIT = 5
DEFAULT_IDENTIFIER_LIMITS = MappingProxyType(
    {key: (1 if key == "user_id" else DEFAULT_LIMIT) for key in DEFAULT_IDENTIFIERS}
)

# Sent only when a connection's `send_mobile_ids` is on (IDS104, simulator drops them otherwise).
MOBILE_IDS: frozenset[str] = frozenset({"ios.idfa", "android.idfa"})

FACEBOOK = "facebook_custom_audiences"
GOOGLE = "google_ads_remarketing_lists"
ACTIONS = "actions"
FUNCTION = "function"
CLASSIC = "classic"

DESTINATION_TYPES: tuple[str, ...] = (FACEBOOK, GOOGLE, ACTIONS, FUNCTION, CLASSIC)

DESTINATION_TYPE_LABELS = MappingProxyType(
    {
        FACEBOOK: "Facebook Custom Audiences",
        GOOGLE: "Google Ads Remarketing Lists",
        ACTIONS: "Actions destination (Braze, Snap, ...)",
        FUNCTION: "Destination function",
        CLASSIC: "Classic destination",
    }
)

DESTINATION_TYPE_SHORT = MappingProxyType(
    {FACEBOOK: "facebook", GOOGLE: "google", ACTIONS: "actions", FUNCTION: "function", CLASSIC: "classic"}
)

# List destinations receive rows of identifiers (add / remove), not Identify / Track calls.
LIST_DESTINATION_TYPES: frozenset[str] = frozenset({FACEBOOK, GOOGLE})

FACEBOOK_KEYS: tuple[str, ...] = (
    "EXTERN_ID",
    "EMAIL",
    "PHONE",
    "MADID",
    "FN",
    "LN",
    "FI",
    "GEN",
    "DOBY",
    "DOBM",
    "DOBD",
    "CT",
    "ST",
    "ZIP",
    "COUNTRY",
)
GOOGLE_KEYS: tuple[str, ...] = ("email", "phone", "mobile_advertising_id", "crm_id")

# Destination identifiers offered by a fixed dropdown; other types take free text.
DROPDOWN_KEYS = MappingProxyType({FACEBOOK: FACEBOOK_KEYS, GOOGLE: GOOGLE_KEYS})

# Facebook: a row must map one of these for the platform to match anyone (IDS204).
FACEBOOK_MATCH_KEYS: frozenset[str] = frozenset({"EMAIL", "MADID"})

GOOGLE_EXTERNAL_ID_TYPES: tuple[str, ...] = ("email", "mobile_id")
GOOGLE_MATCHER = MappingProxyType({"email": "email", "mobile_id": "mobile_advertising_id"})
# Google Ads Remarketing Lists: at most this many rows beyond the matcher (IDS107).
GOOGLE_MAX_EXTRA_ROWS = 1

# How Facebook and Google receive each destination key (docs/space-file.md, "Normalisation and hashing"): the
# normalisation rule (a name from simulator/normalise.py's table) and whether the normalised text is SHA-256
# hashed. Other destinations get raw values. This table is the only place that says which key gets which treatment.
NORMALISATION = MappingProxyType(
    {
        FACEBOOK: MappingProxyType(
            {
                "EMAIL": ("email", True),
                "PHONE": ("phone_digits", True),
                "FN": ("letters", True),
                "LN": ("letters", True),
                "FI": ("first_letter", True),
                "CT": ("letters", True),
                "ST": ("us_state", True),
                "ZIP": ("zip", True),
                "COUNTRY": ("country", True),
                "GEN": ("gender", True),
                "DOBY": ("year", True),
                "DOBM": ("month", True),
                "DOBD": ("day", True),
                "MADID": ("device_id_lower", False),
                "EXTERN_ID": ("as_is", False),
            }
        ),
        GOOGLE: MappingProxyType(
            {
                "email": ("email", True),
                "phone": ("phone_e164", True),
                "mobile_advertising_id": ("device_id", False),
                "crm_id": ("trimmed", False),
            }
        ),
    }
)
# A key a list destination's dropdown does not offer (IDS105, an error) is simulated as trimmed, lower-cased, hashed.
FALLBACK_NORMALISATION: tuple[str, bool] = ("trimmed_lower", True)
# Keys sent as they are (no hashing), derived from the table above.
UNHASHED_KEYS: frozenset[str] = frozenset(
    key for table in NORMALISATION.values() for key, (_, hashed) in table.items() if not hashed
)
HASHING_DESTINATION_TYPES: frozenset[str] = LIST_DESTINATION_TYPES


def normalisation(destination_type: str, key: str) -> tuple[str, bool] | None:
    """(rule name, hashed) for a value sent to `key` of a list destination; None where values go raw."""
    table = NORMALISATION.get(destination_type)
    if table is None:
        return None
    return table.get(key, FALLBACK_NORMALISATION)


# Identifier rows one connection may have for Segment's Public API (`idSyncConfiguration`) to apply it (IDS209).
API_ROW_LIMIT = 5

STRATEGIES: tuple[str, ...] = ("last_added", "first_added", "all")
DEFAULT_STRATEGY = "last_added"
ALL_LIMIT = 3  # at most three rows with strategy `all` in one connection (IDS103)

SETUPS: tuple[str, ...] = ("default", "customized")

CONDITION_OPS: tuple[str, ...] = ("=", "!=", ">", ">=", "<", "<=", "in", "not_in", "exists")

STEP_TYPES: tuple[str, ...] = ("filter", "send")

DEFAULT_ENTER_EVENT = "Audience Entered"
DEFAULT_EXIT_EVENT = "Audience Exited"

# How long after a save a config change reaches new data (docs/space-file.md, "What gets sent": Time).
EFFECTIVE_DELAY_SECONDS = 5 * 60

SPACE_FILE_VERSIONS: tuple[int, ...] = (1,)


def is_list_destination(destination_type: str) -> bool:
    return destination_type in LIST_DESTINATION_TYPES


def offered_keys(destination_type: str) -> tuple[str, ...] | None:
    """The destination identifiers a dropdown offers, or None where the destination takes free text."""
    return DROPDOWN_KEYS.get(destination_type)


def google_matcher(external_id_type: str | None) -> str:
    return GOOGLE_MATCHER.get(external_id_type or "email", "email")


# The dropdown entry a Segment identifier most naturally maps to, offered first when a row is added.
DROPDOWN_SUGGESTIONS = MappingProxyType(
    {
        FACEBOOK: MappingProxyType(
            {"email": "EMAIL", "phone": "PHONE", "ios.idfa": "MADID", "android.idfa": "MADID", "user_id": "EXTERN_ID"}
        ),
        GOOGLE: MappingProxyType(
            {
                "email": "email",
                "phone": "phone",
                "ios.idfa": "mobile_advertising_id",
                "android.idfa": "mobile_advertising_id",
                "user_id": "crm_id",
                "crm_id": "crm_id",
            }
        ),
    }
)


# Default setup on a list destination: the identifiers Segment's docs say each accepts, and the column each goes
# to (Facebook Custom Audiences: email and mobile device IDs; Google: only the list's matcher). Other default
# identifiers have no column in a list and are not sent.
_DEFAULT_SETUP_LIST_COLUMNS = MappingProxyType(
    {
        FACEBOOK: MappingProxyType({"email": "EMAIL", "ios.idfa": "MADID", "android.idfa": "MADID"}),
        f"{GOOGLE}:email": MappingProxyType({"email": "email"}),
        f"{GOOGLE}:mobile_id": MappingProxyType(
            {"ios.idfa": "mobile_advertising_id", "android.idfa": "mobile_advertising_id"}
        ),
    }
)


# Under Default setup these list destinations take only the most recent value of their matcher, one row per member
# (Google Ads Remarketing Lists: "Engage sends the most recent id"), not one row per value.
DEFAULT_SETUP_LATEST_ONLY: frozenset[str] = frozenset({GOOGLE})


def default_setup_list_columns(destination_type: str, external_id_type: str | None) -> Mapping[str, str]:
    """Segment identifier -> list column, for a list destination under Default setup ({} for other types)."""
    if destination_type == GOOGLE:
        return _DEFAULT_SETUP_LIST_COLUMNS.get(f"{GOOGLE}:{external_id_type or 'email'}", {})
    return _DEFAULT_SETUP_LIST_COLUMNS.get(destination_type, {})
