"""Trading errors: Binance's numeric code and exact message travel in `details`."""

from __future__ import annotations

from backend.errors import BadRequest, NotFound
from backend.trading.rules import MSG_NO_SUCH_ORDER, MSG_UNKNOWN_ORDER, RuleViolation


class OrderRejected(BadRequest):
    code = "order_rejected"
    message = "Order rejected"

    @classmethod
    def from_violation(cls, v: RuleViolation) -> OrderRejected:
        details: dict[str, object] = {"binance_code": v.code, "msg": v.msg}
        if v.filter_type:
            details["filter"] = v.filter_type
        code = "filter_failure" if v.code == -1013 else "order_rejected"
        return cls(v.msg, code=code, details=details)


class InvalidSymbol(BadRequest):
    code = "invalid_symbol"
    message = "Invalid symbol."

    def __init__(self, symbol: str) -> None:
        super().__init__(
            details={"binance_code": -1121, "msg": "Invalid symbol.", "symbol": symbol}
        )


class OrderNotFound(NotFound):
    """Same answer for a missing order and someone else's order: no id oracle."""

    code = "order_not_found"
    message = MSG_NO_SUCH_ORDER

    def __init__(self, order_id: int) -> None:
        super().__init__(details={"binance_code": -2013, "msg": MSG_NO_SUCH_ORDER, "id": order_id})


class OrderNotCancelable(BadRequest):
    code = "order_not_cancelable"
    message = MSG_UNKNOWN_ORDER

    def __init__(self, status: str) -> None:
        super().__init__(
            details={"binance_code": -2011, "msg": MSG_UNKNOWN_ORDER, "status": status}
        )


class LedgerError(RuntimeError):
    """A reserved amount was not there: a bug, never a user error (the transaction rolls back)."""
