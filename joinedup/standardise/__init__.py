"""Standardisers: pure functions that turn one raw text value into its canonical form.

Each ``normalise_*``/``parse_*``/``clean_*`` takes a non-empty, already-stripped string and
returns the canonical value or raises ``InvalidValue`` saying what was expected. No I/O; the
hot ones are cached because ingestion meets the same values on many rows. Each ``accept_*``
(dates, postcodes, NHS numbers, phones, emails) does the same for a whole Arrow column in the common
shapes, leaving the rest to its one-value twin.
"""

from __future__ import annotations

from joinedup.standardise.addresses import address_key, clean_address
from joinedup.standardise.dates import (
    accept_dates,
    check_birth_date,
    parse_date,
    parse_datetime,
)
from joinedup.standardise.emails import accept_emails, normalise_email
from joinedup.standardise.invalid import InvalidValue
from joinedup.standardise.names import (
    NICKNAMES,
    canonical_given_names,
    clean_name,
    name_key,
    split_full_name,
)
from joinedup.standardise.nhs import (
    accept_nhs_numbers,
    is_valid_nhs_number,
    nhs_check_digit,
    normalise_nhs_number,
)
from joinedup.standardise.phones import accept_phones, normalise_phone
from joinedup.standardise.postcodes import (
    accept_postcodes,
    normalise_postcode,
    postcode_area,
    postcode_district,
    postcode_sector,
)
from joinedup.standardise.sex import normalise_sex
from joinedup.standardise.text import clean_text, parse_float
from joinedup.standardise.uprn import normalise_uprn

__all__ = [
    "NICKNAMES",
    "InvalidValue",
    "accept_dates",
    "accept_emails",
    "accept_nhs_numbers",
    "accept_phones",
    "accept_postcodes",
    "address_key",
    "canonical_given_names",
    "check_birth_date",
    "clean_address",
    "clean_name",
    "clean_text",
    "is_valid_nhs_number",
    "name_key",
    "nhs_check_digit",
    "normalise_email",
    "normalise_nhs_number",
    "normalise_phone",
    "normalise_postcode",
    "normalise_sex",
    "normalise_uprn",
    "parse_date",
    "parse_datetime",
    "parse_float",
    "postcode_area",
    "postcode_district",
    "postcode_sector",
    "split_full_name",
]
