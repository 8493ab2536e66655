"""How numbers and dates are written in the assistant's Chinese answers.

One place, so every response shows money, rates and dates the same way.
"""
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Union

from bot import clock

Number = Union[Decimal, int, float, str]
_WEEKDAYS = "一二三四五六日"


def _dec(value: Number) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def yuan(value: Number) -> str:
    """1234.5 -> '1,234.50 元'; whole amounts without decimals: 3000 -> '3,000 元'."""
    amount = _dec(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if amount == amount.to_integral_value():
        return f"{int(amount):,} 元"
    return f"{amount:,.2f} 元"


def percent(fraction: Number, places: int = 1) -> str:
    """0.1303 -> '13.0%'; places=2 for small rates (0.0005 -> '0.05%')."""
    value = (_dec(fraction) * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{value}%"


def day(d: date, weekday: bool = True) -> str:
    """date(2026, 11, 25) -> '11月25日（周三）'; another year is written out."""
    text = f"{d.month}月{d.day}日"
    if d.year != clock.today().year:
        text = f"{d.year}年{text}"
    if weekday:
        text += f"（周{_WEEKDAYS[d.weekday()]}）"
    return text
