"""Every way a call can fail. The API's error codes each have a class (``except
NotFoundError``), all under ``APIError``, which carries the envelope's fields; ``NumlinkError``
is the base of everything the client raises."""

from typing import Any, ClassVar


class NumlinkError(Exception):
    """Anything the client raises on purpose."""


class APIConnectionError(NumlinkError):
    """The gateway could not be reached (refused, reset, DNS...) after every retry."""


class APITimeoutError(APIConnectionError):
    """The gateway did not answer within the timeout, after every retry."""


class UnexpectedResponseError(NumlinkError):
    """An answer that is not a numlink envelope (a proxy's error page, a wrong base URL)."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class WaitTimeoutError(NumlinkError, TimeoutError):
    """A waiting helper gave up before the object reached a final state; the work goes on."""

    def __init__(self, message: str, last: Any) -> None:
        super().__init__(message)
        self.last = last  # the object as last read


class WebhookVerificationError(NumlinkError):
    """A webhook whose headers or signature do not check out: answer 400 and drop it."""


class APIError(NumlinkError):
    """The gateway answered with an error envelope."""

    CODE: ClassVar[str] = ""  # set by each subclass; an unknown code is a plain APIError
    by_code: ClassVar[dict[str, type["APIError"]]] = {}

    def __init__(
        self,
        message: str,
        *,
        code: str,
        status_code: int,
        request_id: str | None = None,
        details: dict[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code  # as sent, also a code this version of the client does not know
        self.status_code = status_code
        self.request_id = request_id
        self.details = details or {}
        self.retry_after = retry_after

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        APIError.by_code[cls.CODE] = cls

    def __str__(self) -> str:
        text = f"{self.code}: {self.message}"
        if self.details:
            text += " (" + "; ".join(f"{k}: {v}" for k, v in self.details.items()) + ")"
        return text


def api_error(
    status_code: int, error: dict[str, Any], retry_after: float | None = None
) -> APIError:
    """The exception for an error envelope's ``error`` object."""
    code = str(error.get("code") or f"HTTP_{status_code}")
    details = error.get("details")
    return APIError.by_code.get(code, APIError)(
        str(error.get("message") or "request failed"),
        code=code,
        status_code=status_code,
        request_id=error.get("request_id"),
        details=details if isinstance(details, dict) else None,
        retry_after=retry_after,
    )


class UnauthorizedError(APIError):
    CODE = "UNAUTHORIZED"


class ForbiddenError(APIError):
    CODE = "FORBIDDEN"


class NotFoundError(APIError):
    CODE = "NOT_FOUND"


class MethodNotAllowedError(APIError):
    CODE = "METHOD_NOT_ALLOWED"


class ConflictError(APIError):
    CODE = "CONFLICT"


class CampaignNotActiveError(APIError):
    CODE = "CAMPAIGN_NOT_ACTIVE"


class BrandNotVerifiedError(APIError):
    CODE = "BRAND_NOT_VERIFIED"


class NumberNotAssignedError(APIError):
    CODE = "NUMBER_NOT_ASSIGNED"


class ProviderMismatchError(APIError):
    CODE = "PROVIDER_MISMATCH"


class NumberNotEligibleError(APIError):
    CODE = "NUMBER_NOT_ELIGIBLE"


class ProviderNotConfiguredError(APIError):
    CODE = "PROVIDER_NOT_CONFIGURED"


class IdempotencyInProgressError(APIError):
    CODE = "IDEMPOTENCY_IN_PROGRESS"


class PayloadTooLargeError(APIError):
    CODE = "PAYLOAD_TOO_LARGE"


class UnsupportedMediaTypeError(APIError):
    CODE = "UNSUPPORTED_MEDIA_TYPE"


class ValidationFailedError(APIError):
    CODE = "VALIDATION_FAILED"


class IdempotencyKeyReusedError(APIError):
    CODE = "IDEMPOTENCY_KEY_REUSED"


class UnsupportedByProviderError(APIError):
    CODE = "UNSUPPORTED_BY_PROVIDER"


class ProviderRejectedError(APIError):
    CODE = "PROVIDER_REJECTED"


class RateLimitedError(APIError):
    CODE = "RATE_LIMITED"


class ProviderError(APIError):
    CODE = "PROVIDER_ERROR"


class InternalError(APIError):
    CODE = "INTERNAL_ERROR"


class NotReadyError(APIError):
    CODE = "NOT_READY"
