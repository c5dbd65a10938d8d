"""The header generations of Luma's guest-list export, for tests that write a file of each."""
from luma_pipeline.luma.guest_csv import EXPORT_COLUMNS

_API_ID_ERA = ("api_id", "name", "first_name", "last_name", "email", "phone_number", "created_at",
               "approval_status", "checked_in_at", "custom_source", "qr_code_url", "amount",
               "amount_tax", "amount_discount", "currency", "coupon_code", "eth_address",
               "solana_address", "survey_response_rating", "survey_response_feedback",
               "ticket_type_id", "ticket_name")
# The fixed columns of every header generation seen (LUMA_API.md §7); the reader finds columns by
# name, so each must import the same.
HEADER_GENERATIONS = {
    "2025-mid api_id (reported order)": _API_ID_ERA[:8] + ("custom_source", "checked_in_at") + _API_ID_ERA[10:],
    "2025-10 api_id": _API_ID_ERA,
    "2026-04 guest_id utm_source": ("guest_id",) + _API_ID_ERA[1:9] + (
        "utm_source", "referrer", "referred_by") + _API_ID_ERA[10:],
    "2026-09 guest_id 35 columns": EXPORT_COLUMNS,
}
