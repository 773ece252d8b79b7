"""Analysis API shapes. Values are decimal strings (null where a value does not exist); times are
UTC epoch ms (candle open times)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, WithJsonSchema

DecimalText = Annotated[
    str, WithJsonSchema({"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "examples": ["61.2345"]})
]
Values = list[DecimalText | None]


class ParamOut(BaseModel):
    name: str
    default: DecimalText
    min: DecimalText
    max: DecimalText
    integer: bool
    description: str


class IndicatorInfo(BaseModel):
    name: str = Field(examples=["macd"])
    title: str
    placement: Literal["overlay", "panel"] = Field(
        description="overlay: drawn on the price chart; panel: a chart of its own"
    )
    params: list[ParamOut] = Field(description="in the order a spec `name:p1:p2` gives them")
    outputs: list[str] = Field(examples=[["macd", "signal", "hist"]])
    default_spec: str = Field(examples=["macd:12:26:9"])
    description: str


class CatalogOut(BaseModel):
    max_indicators: int
    indicators: list[IndicatorInfo]


class IndicatorsOut(BaseModel):
    """`series[spec][output][i]` belongs to the candle opened at `open_times[i]`. Spec keys are
    canonical (every parameter written: `rsi` -> `rsi:14`)."""

    symbol: str
    interval: str
    open_times: list[int]
    forming: bool = Field(description="true when the last candle is the forming one (live)")
    series: dict[str, dict[str, Values]] = Field(
        examples=[
            {
                "rsi:14": {"rsi": [None, "55.1"]},
                "macd:12:26:9": {"macd": ["1.2"], "signal": ["0.9"], "hist": ["0.3"]},
            }
        ]
    )


class CompareSymbolOut(BaseModel):
    symbol: str
    first_close: DecimalText
    last_close: DecimalText
    total_return: DecimalText = Field(description="last / first close - 1")
    volatility: DecimalText = Field(description="annualised stdev of log returns")
    max_drawdown: DecimalText = Field(description="positive fraction of the peak")
    sharpe: DecimalText | None = Field(description="annualised, risk-free 0")
    beta: DecimalText | None = Field(description="to the benchmark's log returns")


class CorrelationOut(BaseModel):
    symbols: list[str]
    matrix: list[list[DecimalText | None]]


class CompareOut(BaseModel):
    interval: str
    benchmark: str | None
    open_times: list[int] = Field(description="the common closed candles of every symbol")
    symbols: list[CompareSymbolOut]
    correlation: CorrelationOut
    normalised: dict[str, list[DecimalText]] = Field(description="100 * close / first close")
