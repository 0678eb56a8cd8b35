"""The columns of a council data source or register extract, as councils send them."""

from __future__ import annotations

REGISTER_COLUMNS: tuple[str, ...] = (
    "ref",
    "forename",
    "surname",
    "date_of_birth",
    "sex",
    "upn",
    "address_line1",
    "postcode",
    "school_urn",
)
