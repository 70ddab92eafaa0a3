"""One exception hierarchy; ``app.api.handlers`` maps it to the error envelope."""

from collections.abc import Mapping


class NumlinkError(Exception):
    status_code: int = 500
    code: str = "INTERNAL_ERROR"
    default_message: str = "internal error"

    def __init__(
        self,
        message: str | None = None,
        *,
        details: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = dict(details) if details else None
        self.headers = dict(headers) if headers else None
        super().__init__(self.message)


class Unauthorized(NumlinkError):
    status_code, code, default_message = 401, "UNAUTHORIZED", "authentication failed"


class Forbidden(NumlinkError):
    status_code, code, default_message = 403, "FORBIDDEN", "missing required scope"


class NotFound(NumlinkError):
    status_code, code, default_message = 404, "NOT_FOUND", "not found"


class MethodNotAllowed(NumlinkError):
    status_code, code, default_message = 405, "METHOD_NOT_ALLOWED", "method not allowed"


class Conflict(NumlinkError):
    status_code, code, default_message = 409, "CONFLICT", "conflict"


class CampaignNotActive(Conflict):
    code, default_message = "CAMPAIGN_NOT_ACTIVE", "campaign is not active"


class BrandNotVerified(Conflict):
    code, default_message = "BRAND_NOT_VERIFIED", "brand is not verified"


class NumberNotAssigned(Conflict):
    code, default_message = "NUMBER_NOT_ASSIGNED", "number is not assigned"


class ProviderMismatch(Conflict):
    code = "PROVIDER_MISMATCH"
    default_message = "number and campaign are on different providers"


class NumberNotEligible(Conflict):
    code = "NUMBER_NOT_ELIGIBLE"
    default_message = "number is not a US 10-digit long code"


class ProviderNotConfigured(Conflict):
    code = "PROVIDER_NOT_CONFIGURED"
    default_message = "no provider account is configured for this provider"


class IdempotencyInProgress(Conflict):
    code = "IDEMPOTENCY_IN_PROGRESS"
    default_message = "a request with this Idempotency-Key is still in progress"


class PayloadTooLarge(NumlinkError):
    status_code, code, default_message = 413, "PAYLOAD_TOO_LARGE", "request body too large"


class UnsupportedMediaType(NumlinkError):
    status_code, code = 415, "UNSUPPORTED_MEDIA_TYPE"
    default_message = "request body must be application/json"


class ValidationFailed(NumlinkError):
    status_code, code, default_message = 422, "VALIDATION_FAILED", "validation failed"


class UnsupportedByProvider(NumlinkError):
    status_code, code = 422, "UNSUPPORTED_BY_PROVIDER"
    default_message = "the provider does not offer this operation"


class IdempotencyKeyReused(NumlinkError):
    status_code, code = 422, "IDEMPOTENCY_KEY_REUSED"
    default_message = "Idempotency-Key was already used for a different request"


class ProviderRejected(NumlinkError):
    """The provider refused a registration or change; ``details`` carries its words per
    field."""

    status_code, code = 422, "PROVIDER_REJECTED"
    default_message = "the provider rejected the request"


class RateLimited(NumlinkError):
    status_code, code, default_message = 429, "RATE_LIMITED", "request rate limit exceeded"


class InternalError(NumlinkError):
    pass


class ProviderError(NumlinkError):
    status_code, code, default_message = 502, "PROVIDER_ERROR", "provider request failed"


ALL_ERRORS: tuple[type[NumlinkError], ...] = (
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    CampaignNotActive,
    BrandNotVerified,
    NumberNotAssigned,
    ProviderMismatch,
    NumberNotEligible,
    ProviderNotConfigured,
    IdempotencyInProgress,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    UnsupportedByProvider,
    IdempotencyKeyReused,
    ProviderRejected,
    RateLimited,
    ProviderError,
    InternalError,
)
