"""Typed Binance failures: everything above the integration catches these, never httpx errors.

Binance answers errors as `{"code": <negative int>, "msg": "..."}` (PROTOCOL.md §2.2, §7).
`from_response` maps HTTP status + code to the most specific class here.
"""

from __future__ import annotations


class BinanceError(Exception):
    """Base of every Binance failure; `code` is Binance's numeric code when the server sent one."""

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code}, status={self.status}, msg={self.message!r})"
        )


class BadRequest(BinanceError):
    """The request was at fault (HTTP 4xx with a code we do not map more precisely)."""


class InvalidSymbol(BadRequest):
    """-1121 Invalid symbol."""


class BadParameter(BadRequest):
    """-1100 .. -1106, -1108, -1111, -1130, -1135 ...: malformed, missing or superfluous parameter."""


class InvalidInterval(BadParameter):
    """-1120 Invalid interval."""


class FilterFailure(BadRequest):
    """-1013 Filter failure: <FILTER> (or another INVALID_MESSAGE rejection)."""


class OrderRejected(BadRequest):
    """-2010 / -2011 / -2013 / -2038: the engine refused an order action."""


class AuthError(BinanceError):
    """-1002, -1021, -1022, -2014, -2015: API key, signature or timestamp problems."""


class RateLimited(BinanceError):
    """HTTP 429 (-1003 request weight, -1015 order count); wait `retry_after_s` before retrying."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        status: int | None = 429,
        retry_after_s: float,
    ) -> None:
        super().__init__(message, code=code, status=status)
        self.retry_after_s = retry_after_s


class IpBanned(RateLimited):
    """HTTP 418: the IP is banned for `retry_after_s` seconds after ignoring 429s."""


class Unavailable(BinanceError):
    """Binance could not be reached or answered 5xx / timeout codes; execution status unknown."""


class ProtocolError(BinanceError):
    """A reply we cannot parse (not JSON, wrong shape): a fake/proxy/exchange contract break."""


_PARAM_CODES = frozenset(
    {-1100, -1101, -1102, -1103, -1104, -1105, -1106, -1108, -1111, -1114, -1115, -1116, -1117}
    | {-1118, -1119, -1122, -1127, -1128, -1130, -1135, -1139, -1151, -1194, -1220}
)
_AUTH_CODES = frozenset({-1002, -1021, -1022, -2014, -2015})
_UNAVAILABLE_CODES = frozenset({-1000, -1001, -1006, -1007, -1008, -1016})
_ORDER_CODES = frozenset({-2010, -2011, -2013, -2038})


def from_response(
    status: int, code: int | None, msg: str, *, retry_after_s: float | None = None
) -> BinanceError:
    """The typed error for one failed HTTP reply (status first: 418/429/5xx win over the code)."""
    if status == 418:
        return IpBanned(msg, code=code, status=status, retry_after_s=retry_after_s or 120.0)
    if status == 429:
        return RateLimited(msg, code=code, status=status, retry_after_s=retry_after_s or 1.0)
    if status >= 500 or code in _UNAVAILABLE_CODES:
        return Unavailable(msg, code=code, status=status)
    if code == -1121:
        return InvalidSymbol(msg, code=code, status=status)
    if code == -1120:
        return InvalidInterval(msg, code=code, status=status)
    if code in _PARAM_CODES:
        return BadParameter(msg, code=code, status=status)
    if code == -1013:
        return FilterFailure(msg, code=code, status=status)
    if code in _ORDER_CODES:
        return OrderRejected(msg, code=code, status=status)
    if code in _AUTH_CODES or status in (401, 403):
        return AuthError(msg, code=code, status=status)
    return BadRequest(msg, code=code, status=status)
