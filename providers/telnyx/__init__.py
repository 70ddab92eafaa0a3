from providers.telnyx.adapter import TelnyxProvider

__all__ = ["TelnyxProvider"]
