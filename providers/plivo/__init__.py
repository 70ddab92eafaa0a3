from providers.plivo.adapter import PlivoProvider
from providers.plivo.signature import (
    parse_plivo_event,
    verify_plivo_request,
    verify_plivo_signature,
)

__all__ = ["PlivoProvider", "parse_plivo_event", "verify_plivo_request", "verify_plivo_signature"]
