"""The `/ws` control protocol (Binance-style, ../shared/binance/PROTOCOL.md §1.5): pure parsing,
validation and reply frames. No I/O, no FastAPI: tests and the session call it directly.

Error frames are enveloped as Binance's real servers do: `{"error":{"code":N,"msg":"..."},"id":N}`.
Codes 0-3 and their messages mirror Binance. Binance documents no reply for the conditions below,
so they get codes of our own (the web client keys on them):

  4  too many streams on one connection (limit `ws_max_streams_per_conn`)
  5  too many messages per second (limit `ws_max_msgs_per_s`); the server then closes with 1008
  6  authentication: bad or expired token, or `user` subscribed without AUTH
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from backend import streams
from backend.streams import USER_STREAM

RequestId = int | str | None

METHODS = (
    "SUBSCRIBE",
    "UNSUBSCRIBE",
    "LIST_SUBSCRIPTIONS",
    "SET_PROPERTY",
    "GET_PROPERTY",
    "AUTH",
)
PROPERTY_COMBINED = "combined"

CODE_UNKNOWN_PROPERTY = 0
CODE_BAD_VALUE_TYPE = 1
CODE_INVALID_REQUEST = 2
CODE_INVALID_JSON = 3
CODE_TOO_MANY_STREAMS = 4
CODE_TOO_MANY_MESSAGES = 5
CODE_UNAUTHORIZED = 6

MSG_INVALID_STREAM = "Invalid request: invalid stream"
MSG_TOO_MANY_PARAMS = "Invalid request: too many parameters"
MSG_BAD_ID = "Invalid request: request ID must be an unsigned integer"
MSG_PROPERTY_NAME = "Invalid request: property name must be a string"
MSG_UNKNOWN_PROPERTY = "Unknown property"
MSG_BAD_BOOLEAN = "Invalid value type: expected Boolean"

_INT64 = 2**63
# Binance: "an alphanumeric string of at most 36 characters"; 36 is a UUID's length, so the
# UUID's dashes are accepted too.
_STRING_ID = re.compile(r"[A-Za-z0-9-]{1,36}")
# Well-formed stream names. Anything else is malformed (code 2 "invalid stream", as Binance).
# `@100ms` is the one second suffix (partial depth `btcusdt@depth20@100ms`).
_WELL_FORMED = re.compile(
    r"[a-z0-9]{1,32}@[A-Za-z0-9_]{1,32}(?:@100ms)?|![A-Za-z0-9_]{1,32}@arr|user"
)
_METHOD_VALUE = re.compile(r'"method"\s*:\s*("(?:[^"\\]|\\.)*"|[^,}\s]+)')


class ProtocolError(Exception):
    """A request that gets an error frame (the connection stays open unless the caller decides)."""

    def __init__(self, code: int, msg: str, request_id: RequestId = None) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.request_id = request_id

    def frame(self) -> str:
        return error_frame(self.code, self.msg, self.request_id)


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    params: list[Any]
    id: RequestId


def result_frame(result: Any, request_id: RequestId) -> str:
    return json.dumps({"result": result, "id": request_id}, separators=(",", ":"))


def error_frame(code: int, msg: str, request_id: RequestId = None) -> str:
    body = {"error": {"code": code, "msg": msg}, "id": request_id}
    return json.dumps(body, separators=(",", ":"))


def _line_col(text: str, offset: int) -> tuple[int, int]:
    # serde_json's position: the line, and the count of characters read on it so far
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1)


def _valid_id(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -_INT64 <= value < _INT64
    if isinstance(value, str):
        return _STRING_ID.fullmatch(value) is not None
    return value is None


def parse_request(text: str) -> Request:
    """Parse one control frame. Raises ProtocolError with Binance's code and message."""
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"Invalid JSON: expected value at line {exc.lineno} column {exc.colno}"
        raise ProtocolError(CODE_INVALID_JSON, msg) from None
    if not isinstance(body, dict):
        raise ProtocolError(CODE_INVALID_REQUEST, "Invalid request: expected a JSON object")
    raw_id = body.get("id")
    request_id = raw_id if _valid_id(raw_id) else None
    if "method" not in body:
        # serde reports a missing field at the end of the object
        line, col = _line_col(text, len(text.rstrip()))
        msg = f"Invalid request: missing field `method` at line {line} column {col}"
        raise ProtocolError(CODE_INVALID_REQUEST, msg, request_id)
    method = body["method"]
    if method not in METHODS:
        raise ProtocolError(CODE_INVALID_REQUEST, _unknown_method_msg(text, method), request_id)
    if "id" not in body or not _valid_id(raw_id):
        raise ProtocolError(CODE_INVALID_REQUEST, MSG_BAD_ID)
    params = body.get("params", [])
    if params is None:
        params = []
    if not isinstance(params, list):
        msg = "Invalid request: params must be an array"
        raise ProtocolError(CODE_INVALID_REQUEST, msg, request_id)
    request = Request(method=method, params=params, id=request_id)
    _check_params(request)
    return request


def _unknown_method_msg(text: str, method: Any) -> str:
    expected = ", ".join(f"`{m}`" for m in METHODS)
    match = _METHOD_VALUE.search(text)
    offset = match.end() if match else len(text)
    line, col = _line_col(text, offset)
    shown = method if isinstance(method, str) else json.dumps(method)
    shown = shown[:64]  # never echo a huge value back
    return f"Invalid request: unknown variant `{shown}`, expected one of {expected} at line {line} column {col}"


def _check_params(request: Request) -> None:
    method, params, rid = request.method, request.params, request.id
    if method == "LIST_SUBSCRIPTIONS" and params:
        raise ProtocolError(CODE_INVALID_REQUEST, MSG_TOO_MANY_PARAMS, rid)
    if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
        check_well_formed(params, rid)
    elif method in ("GET_PROPERTY", "SET_PROPERTY"):
        arity = 1 if method == "GET_PROPERTY" else 2
        if len(params) > arity:
            raise ProtocolError(CODE_INVALID_REQUEST, MSG_TOO_MANY_PARAMS, rid)
        if not params or not isinstance(params[0], str):
            raise ProtocolError(CODE_INVALID_REQUEST, MSG_PROPERTY_NAME, rid)
        if params[0] != PROPERTY_COMBINED:
            raise ProtocolError(CODE_UNKNOWN_PROPERTY, MSG_UNKNOWN_PROPERTY, rid)
        if method == "SET_PROPERTY" and (len(params) < 2 or not isinstance(params[1], bool)):
            raise ProtocolError(CODE_BAD_VALUE_TYPE, MSG_BAD_BOOLEAN, rid)
    elif method == "AUTH":
        if len(params) > 1:
            raise ProtocolError(CODE_INVALID_REQUEST, MSG_TOO_MANY_PARAMS, rid)
        if not params or not isinstance(params[0], str) or not params[0]:
            msg = "Invalid request: AUTH takes the access token as its only parameter"
            raise ProtocolError(CODE_INVALID_REQUEST, msg, rid)


def check_well_formed(names: list[Any], request_id: RequestId) -> None:
    for name in names:
        if not isinstance(name, str) or _WELL_FORMED.fullmatch(name) is None:
            raise ProtocolError(CODE_INVALID_REQUEST, MSG_INVALID_STREAM, request_id)


def check_time_unit(value: str | None) -> None:
    """`timeUnit` in the URL: Binance also offers MICROSECOND; we send milliseconds only, so a
    client that asks for microseconds is told instead of reading times 1000 times too small."""
    if value is not None and value.lower() != "millisecond":
        msg = (
            f"Invalid request: timeUnit `{value[:32]}` is not supported; times are in milliseconds"
        )
        raise ProtocolError(CODE_INVALID_REQUEST, msg)


def url_streams(text: str) -> list[str]:
    """The stream names of `/ws/<a>/<b>` (the path after `/ws/`) or `/stream?streams=<a>/<b>`."""
    return [name for name in text.split("/") if name]


class StreamCatalog:
    """The stream names this deployment serves, built once from the configured symbols/intervals.

    A well-formed name that matches nothing here (an unknown symbol, `btcusdt@naoExiste`) gets an
    error frame, unlike Binance, which accepts it silently and never delivers: for our users a
    typo that explains itself is kinder than a silent stream.
    """

    def __init__(self, symbols: Iterable[str], intervals: Iterable[str]) -> None:
        intervals = tuple(intervals)
        names = {n for s in symbols for n in streams.symbol_streams(s, intervals)}
        names.update((streams.MINI_TICKER_ARR, USER_STREAM))
        self._names = frozenset(names)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def check(self, names: list[str], request_id: RequestId) -> None:
        for name in names:
            if name not in self._names:
                msg = f"Invalid request: unknown stream `{name}`"
                raise ProtocolError(CODE_INVALID_REQUEST, msg, request_id)


def too_many_streams(limit: int, request_id: RequestId) -> ProtocolError:
    msg = f"Too many streams: at most {limit} per connection"
    return ProtocolError(CODE_TOO_MANY_STREAMS, msg, request_id)


def too_many_messages(limit: int) -> ProtocolError:
    return ProtocolError(CODE_TOO_MANY_MESSAGES, f"Too many messages: at most {limit} per second")
