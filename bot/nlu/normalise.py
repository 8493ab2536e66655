"""Chinese amount / duration / date normaliser for borrower messages.

Pure Python (no spaCy, no jieba): `extract(text, today)` finds every amount (yuan),
months, days and date expression and returns `Entity` objects with character offsets
into the *original* text. `bot.nlu.spacy_pipeline` wraps this in a spaCy pipeline and
`bot.nlu.entity_extractor` exposes it to Rasa.

Supported forms (see tests/nlu/test_normalise.py for the full list):
  amount  3500, 5,000, 2,350.50元, ￥/¥/RMB/人民币 prefix, 元/块/块钱/人民币 suffix,
          3千5, 1.5万, 两万三, 三千五, 一万二, 一千零五, 3k, 2w, 三块五 (3.5), 贰仟元,
          3000多块; Chinese-only numerals without 元/块 only from 百 up (五百, 两千).
          Not amounts: numbers followed by 期/个月/天/号/年/%/点/次/个..., after 第,
          尾号/卡号/验证码..., 年化/利率/百分之, phone/card numbers, hotlines, list "1、".
  months  12期, 十二个月, 3个多月, 半年, 一年, 两年, 一年半, 1.5年, 两个季度.
  days    三天, 3日内, 五个工作日, 一周, 一个星期, 两个礼拜, 半个月, 一个半月 (45).
  date    今天/明天/后天/大后天/昨天/前天, 周五 (next one after today), 这周五/本周五,
          下周五/下个星期五/上周五, 周末, 15号/15日 (this month unless passed, clamped to
          the month's last day), 下个月5号, 这个月28号, 月底/月末/月初/月中, 下月底,
          年底, 3月8日/十二月一号 (this year unless passed), 明年3月8日, 2026-12-01,
          2026/12/01, 2027年1月5日, 12/1 (month/day).
Full-width digits and letters are read as ASCII; offsets stay those of the input.

How it works: each rule is a regex plus a handler that validates the match in context
and computes the value. All accepted candidates are resolved leftmost-longest (ties:
date > months > days > amount), so "12期" is months, never amount 12 + stray "期".
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Callable, Dict, Iterator, List, Optional, Tuple, Union

__all__ = [
    "Entity",
    "ENTITY_TYPES",
    "extract",
    "parse_number",
    "amount_value",
]

ENTITY_TYPES = ("amount", "months", "days", "date")

Value = Union[int, float, str]


@dataclass(frozen=True)
class Entity:
    entity: str  # "amount" | "months" | "days" | "date"
    value: Value  # amount: yuan (int if whole, else float); months/days: int; date: ISO str
    start: int  # char offsets into the text given to extract()
    end: int
    text: str


# --------------------------------------------------------------------------- numerals

_CN_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5,
    "六": 6, "七": 7, "八": 8, "九": 9,
    # financial (大写) forms, as written on contracts and bank slips
    "壹": 1, "贰": 2, "貳": 2, "叁": 3, "參": 3, "肆": 4, "伍": 5, "陆": 6, "陸": 6,
    "柒": 7, "捌": 8, "玖": 9,
}
_CN_UNITS = {
    "十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000,
    "万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000,
}
_SUFFIX_MULT = {"k": 1000, "K": 1000, "w": 10_000, "W": 10_000}

_CD = "".join(_CN_DIGITS)
_CU = "".join(_CN_UNITS)
_ARABIC = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_D = rf"(?:{_ARABIC}|[{_CD}]+)"
_U = rf"[{_CU}]"
# A bare digit after the last unit is the colloquial abbreviation (两万三 = 23000),
# unless it starts a word of its own (两万一次性 = 20000 + 一次性).
_BIND = "个次下点些起共直样天周年月期号日半倍成份笔张家位"
# Type-specific start guard: an Arabic run cannot start inside another number, a
# Chinese numeral cannot start inside a Chinese numeral nor with a unit other than
# 十 ("千万别", "万一"). Letters before a number ("M3") are rejected by the handlers.
_NUM_START = (
    rf"(?:(?<![\d.,])(?=\d)|(?<![{_CD}{_CU}])(?=[{_CD}十拾]))"
)
_NUM = (
    rf"{_NUM_START}(?:"
    rf"{_ARABIC}[kKwW](?![A-Za-z])"
    rf"|(?:{_D}?{_U})+(?:(?<=[十拾]){_D}|[零〇]{_D}|\d{{2,}}|{_D}(?![{_BIND}]))?"
    rf"|{_D})"
)

_TOKEN_RE = re.compile(rf"{_ARABIC}|.", re.S)


def _cn_positional(s: str) -> Optional[int]:
    """二〇二六 → 2026. Only when a 〇/零 shows it is positional (两三 is a range)."""
    if len(s) == 1:
        return _CN_DIGITS[s]
    if not any(c in "零〇" for c in s):
        return None
    n = 0
    for c in s:
        n = n * 10 + _CN_DIGITS[c]
    return n


def parse_number(s: str) -> Optional[Decimal]:
    """Parse a numeral string: "3500", "5,000", "1.5万", "3千5", "两万三", "一千零五",
    "十二", "3k", "2w", "二〇二六". Returns None when it is not one number."""
    s = s.strip().replace(",", "")
    if not s:
        return None
    mult = 1
    if s[-1] in _SUFFIX_MULT:
        mult = _SUFFIX_MULT[s[-1]]
        s = s[:-1]
        if not re.fullmatch(r"\d+(?:\.\d+)?", s):
            return None
    if all(c in _CN_DIGITS for c in s):
        n = _cn_positional(s)
        return None if n is None else Decimal(n) * mult

    total = Decimal(0)
    section = Decimal(0)
    number: Optional[Decimal] = None
    prev = None  # "digit" | "unit" | "zero" | None
    last_unit = 0
    small_unit = 0  # last of 十/百/千 in the current 万-group
    big_unit = 0  # last of 万/亿
    digit_is_single = False
    for tok in _TOKEN_RE.findall(s):
        if tok[0].isdigit():
            if prev == "digit":
                return None
            try:
                number = Decimal(tok)
            except InvalidOperation:
                return None
            digit_is_single = len(tok) == 1
            prev = "digit"
        elif tok in "零〇":
            if prev == "digit":
                return None
            prev = "zero"
        elif tok in _CN_DIGITS:
            if prev == "digit":
                return None  # 三四千: a range, not a number
            number = Decimal(_CN_DIGITS[tok])
            digit_is_single = True
            prev = "digit"
        elif tok in _CN_UNITS:
            unit = _CN_UNITS[tok]
            # units must descend: 一百一千 / 一万一万 are not numbers
            if unit < 10_000:
                if small_unit and unit >= small_unit:
                    return None
                small_unit = unit
            else:
                if big_unit and unit == big_unit:
                    return None
                big_unit = unit
                small_unit = 0
            if unit < 10_000:
                if number is None:
                    if unit != 10 or prev == "unit" and last_unit < 10_000:
                        return None  # 千万 / 百 alone; 十 alone is fine
                    number = Decimal(1)
                section += number * unit
            elif unit == 10_000:
                if number is None and section == 0:
                    return None
                total += (section + (number or 0)) * unit
                section = Decimal(0)
            else:
                if number is None and section == 0 and total == 0:
                    return None
                total = (total + section + (number or 0)) * unit
                section = Decimal(0)
            number = None
            last_unit = unit
            prev = "unit"
        else:
            return None
    if number is not None:
        # 3千5 / 两万三 / 一百二: trailing single digit right after a unit ≥ 百
        # means "of the next lower unit".
        if prev == "digit" and digit_is_single and last_unit >= 100 and _ends_after_unit(s):
            number = number * last_unit / 10
        section += number
    value = (total + section) * mult
    return value


def _ends_after_unit(s: str) -> bool:
    return len(s) >= 2 and s[-2] in _CN_UNITS and (s[-1] in _CN_DIGITS or s[-1].isdigit())


def amount_value(d: Decimal) -> Union[int, float]:
    """Yuan → int when whole, else float rounded half-up to 0.01."""
    q = d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if q == q.to_integral_value():
        return int(q)
    return float(q)


def _int_value(s: str) -> Optional[int]:
    v = parse_number(s)
    if v is None or v != v.to_integral_value():
        return None
    return int(v)


# --------------------------------------------------------------------------- text prep

# 1:1 character map so offsets into the normalised text are offsets into the input.
# int or str values while it is built (str.translate takes both); all str at the end.
_FULLWIDTH: Dict[int, Union[int, str]] = {0xFF10 + i: ord("0") + i for i in range(10)}
_FULLWIDTH.update({0xFF21 + i: ord("A") + i for i in range(26)})
_FULLWIDTH.update({0xFF41 + i: ord("a") + i for i in range(26)})
_FULLWIDTH.update({ord("．"): ".", ord("／"): "/", ord("－"): "-", ord("％"): "%",
                   ord("："): ":"})
# Traditional characters that occur in these expressions (還款 一萬二 下個月 15號).
_FULLWIDTH.update({ord(t): s for t, s in zip("個號週塊圓禮後點歲億萬兩幾來餘這內當兩",
                                              "个号周块圆礼后点岁亿万两几来余这内当两")})
_FULLWIDTH = {k: (chr(v) if isinstance(v, int) else v) for k, v in _FULLWIDTH.items()}
# Same-length word swaps (Cantonese): offsets stay valid.
_WORD_SWAPS = re.compile("聽日|听日|琴日|尋日")
_SWAP_TO = {"聽日": "明日", "听日": "明日", "琴日": "昨日", "尋日": "昨日"}


def _prepare(text: str) -> str:
    out = text.translate(_FULLWIDTH)
    return _WORD_SWAPS.sub(lambda m: _SWAP_TO[m.group(0)], out)


# --------------------------------------------------------------------------- dates

def _add_months(year: int, month: int, n: int) -> Tuple[int, int]:
    m = year * 12 + (month - 1) + n
    return m // 12, m % 12 + 1


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _clamped(year: int, month: int, day: int) -> date:
    # 31号 in a 30-day month → the month's last day (how banks move due dates).
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _safe_date(year: int, month: int, day: int) -> Optional[date]:
    try:
        return date(year, month, day)
    except ValueError:
        return None


_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
             "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_REL_DAYS = {"大后天": 3, "后天": 2, "后日": 2, "明天": 1, "明日": 1, "明儿": 1, "今天": 0,
             "今日": 0, "今儿": 0, "昨天": -1, "昨日": -1, "前天": -2}


def _month_offset(which: Optional[str]) -> int:
    if not which or which.startswith(("这", "本", "当")) or which == "月":
        return 0
    if which.startswith("下下"):
        return 2
    if which.startswith("下"):
        return 1
    if which.startswith("上"):
        return -1
    return 0


# --------------------------------------------------------------------------- rules

# returns (entity, value) or (entity, value, end) to shorten the span; None rejects
RuleResult = Union[Tuple[str, Value], Tuple[str, Value, int]]
Handler = Callable[[re.Match[str], str, date], Optional[RuleResult]]
_RULES: List[Tuple[re.Pattern[str], Handler, str]] = []
_PRIORITY = {"date": 0, "months": 1, "days": 2, "amount": 3}


def _rule(pattern: str, entity: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        _RULES.append((re.compile(pattern), fn, entity))
        return fn
    return deco


def _before(text: str, m: re.Match[str], n: int = 1) -> str:
    return text[max(0, m.start() - n):m.start()]


# --- dates -------------------------------------------------------------------------

@_rule(r"(?<![\d.])(?P<y>\d{4})(?:[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d|\.\d)"
       r"|年(?P<m2>\d{1,2})月(?P<d2>\d{1,2})(?:日|号)?(?!\d))", "date")
def _iso_date(m: re.Match[str], text: str, today: date) -> Optional[RuleResult]:
    mon = m.group("m") or m.group("m2")
    day = m.group("d") or m.group("d2")
    d = _safe_date(int(m.group("y")), int(mon), int(day))
    return ("date", d.isoformat()) if d else None


@_rule(rf"(?P<y>[{_CD}]{{4}})年(?P<m>{_NUM})月(?P<d>{_NUM})(?:日|号)?", "date")
def _cn_full_date(m: re.Match[str], text: str, today: date) -> Optional[RuleResult]:
    y = _cn_positional(m.group("y"))
    mon, day = _int_value(m.group("m")), _int_value(m.group("d"))
    if y is None or mon is None or day is None:
        return None
    d = _safe_date(y, mon, day)
    return ("date", d.isoformat()) if d else None


@_rule(rf"(?P<rel>今年|明年)?(?P<m>{_NUM})月(?:份)?(?P<d>{_NUM})(?P<suf>日|号)?", "date")
def _month_day(m: re.Match[str], text: str, today: date) -> Optional[RuleResult]:
    mon, day = _int_value(m.group("m")), _int_value(m.group("d"))
    if mon is None or day is None or not 1 <= mon <= 12 or not 1 <= day <= 31:
        return None
    if not m.group("suf") and _blocks_bare_day(text, m.end()):
        return None
    rel = m.group("rel")
    year = today.year + (1 if rel == "明年" else 0)
    d = _safe_date(year, mon, day)
    if d is None:
        return None
    if rel is None and d < today:
        d = _safe_date(year + 1, mon, day)  # "3月8日" said in November = next March
    return ("date", d.isoformat()) if d else None


def _blocks_bare_day(text: str, end: int) -> bool:
    # "3月8" without 日/号 is a date only when nothing count- or money-like follows.
    rest = text[end:end + 3]
    return bool(rest) and (
        rest[0] in _CU or rest[0].isdigit() or rest.startswith(_AFTER_NUMBER_WORDS)
        or re.match(_MONEY_SUFFIX, rest) is not None
    )


def _ends_phrase(text: str, end: int) -> bool:
    # "下个月十五" without 号 is a day only if the phrase stops there: 下个月十五还.
    rest = text[end:end + 2]
    return not rest or not rest[0].isalnum() or rest[0] in "还前后左吧呢啊之的再就"


@_rule(r"(?<![\d/.])(?P<m>\d{1,2})/(?P<d>\d{1,2})(?![\d/])", "date")
def _slash_date(m: re.Match[str], text: str, today: date) -> Optional[RuleResult]:
    mon, day = int(m.group("m")), int(m.group("d"))
    if not 1 <= mon <= 12:
        return None
    d = _safe_date(today.year, mon, day)
    if d is None:
        return None
    if d < today:
        d = _safe_date(today.year + 1, mon, day)
    return ("date", d.isoformat()) if d else None


_MONTH_WHICH = r"下下个?月|下个?月|这个?月|本月|当月|上个?月"


@_rule(rf"(?P<which>{_MONTH_WHICH})(?:的)?(?P<d>{_NUM})(?P<suf>号|日)?", "date")
def _which_month_day(m: re.Match[str], text: str, today: date) -> Optional[RuleResult]:
    day = _int_value(m.group("d"))
    if day is None or not 1 <= day <= 31:
        return None
    if not m.group("suf") and not _ends_phrase(text, m.end()):
        return None  # 下个月一起 / 这个月一分钱 / 下个月15期
    y, mo = _add_months(today.year, today.month, _month_offset(m.group("which")))
    return "date", _clamped(y, mo, day).isoformat()


@_rule(rf"(?P<which>{_MONTH_WHICH}|月)(?:的)?(?:月)?(?P<part>底|末|初|中)(?!旬)", "date")
def _month_part(m: re.Match[str], text: str, today: date) -> Optional[RuleResult]:
    which, part = m.group("which"), m.group("part")
    offset = _month_offset(which)
    y, mo = _add_months(today.year, today.month, offset)
    if part in "底末":
        return "date", _month_end(y, mo).isoformat()
    if part == "初":
        if which == "月" and today.day > 1:
            # "月初还" on the 23rd means the start of next month.
            y, mo = _add_months(today.year, today.month, 1)
        return "date", date(y, mo, 1).isoformat()
    d = date(y, mo, 15)
    if which == "月" and d < today:
        y, mo = _add_months(today.year, today.month, 1)
        d = date(y, mo, 15)
    return "date", d.isoformat()


@_rule(rf"(?P<rel>今年|明年)?(?P<m>{_NUM})月(?:份)?(?:的)?(?P<part>底|末|初|中)(?!旬)", "date")
def _named_month_part(m: re.Match[str], text: str, today: date) -> Optional[RuleResult]:
    mon = _int_value(m.group("m"))
    if mon is None or not 1 <= mon <= 12:
        return None
    year = today.year + (1 if m.group("rel") == "明年" else 0)
    part = m.group("part")
    day = {"初": 1, "中": 15}.get(part)
    d = date(year, mon, day) if day else _month_end(year, mon)
    if m.group("rel") is None and d < today:
        # 七月底 said in November = next July
        d = date(year + 1, mon, day) if day else _month_end(year + 1, mon)
    return "date", d.isoformat()


@_rule(r"(?P<which>明年|今年|去年|明|今|去)?年(?:底|末)", "date")
def _year_end(m: re.Match[str], text: str, today: date) -> Optional[RuleResult]:
    which = m.group("which") or ""
    if not which and _before(text, m) in ("前", "每", "后"):
        return None
    year = today.year + {"明": 1, "去": -1}.get(which[:1], 0)
    return "date", date(year, 12, 31).isoformat()


@_rule(r"大后天|后天|后日|明天|明日|明儿|今天|今日|今儿|昨天|昨日|前天", "date")
def _relative_day(m: re.Match[str], text: str, today: date) -> Optional[RuleResult]:
    if m.group(0) == "前天" and _before(text, m) == "提":
        return None  # 提前天数
    return "date", (today + timedelta(days=_REL_DAYS[m.group(0)])).isoformat()


@_rule(r"(?P<which>下下个?|下个?|这个?|本|(?<![碰遇赶加马早晚路线身手班网])上个?)?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天1-7]|末)", "date")
def _weekday(m: re.Match[str], text: str, today: date) -> Optional[RuleResult]:
    which, wd = m.group("which"), m.group("wd")
    target = 5 if wd == "末" else _WEEKDAYS[wd]
    monday = today - timedelta(days=today.weekday())
    if which is None:
        # bare 周五 = the next one after today (if they meant today they say 今天)
        delta = (target - today.weekday()) % 7 or 7
        return "date", (today + timedelta(days=delta)).isoformat()
    weeks = 0
    if which.startswith("下下"):
        weeks = 2
    elif which.startswith("下"):
        weeks = 1
    elif which.startswith("上"):
        weeks = -1
    return "date", (monday + timedelta(weeks=weeks, days=target)).isoformat()


@_rule(rf"(?P<d>{_NUM})(?:号|日)(?!内|之内|以内|线|楼|床|门|元|子|息)", "date")
def _day_of_month(m: re.Match[str], text: str, today: date) -> Optional[RuleResult]:
    if _before(text, m) in ("第", "尾", "卡", "账", "编", "型") or _before(text, m, 2) == "几个":
        return None
    two = _before(text, m, 2)
    if len(two) == 2 and two[1] == "月" and (two[0].isdigit() or two[0] in _CD or two[0] in _CU):
        return None  # the rest of an impossible "2月30日": no date at all
    day = _int_value(m.group("d"))
    if day is None or not 1 <= day <= 31:
        return None
    d = _clamped(today.year, today.month, day)
    if d < today:
        y, mo = _add_months(today.year, today.month, 1)
        d = _clamped(y, mo, day)
    return "date", d.isoformat()


# --- months ------------------------------------------------------------------------

@_rule(rf"(?P<n>{_NUM})(?:个)?(?:多)?期(?!间|限|望|待|货|刊)", "months")
def _periods(m: re.Match[str], text: str, today: date) -> Optional[RuleResult]:
    if _before(text, m) in ("第", "下", "上", "这", "本", "当", "每", "前", "后", "首", "头", "末"):
        return None  # 下一期 / 前3期: which installment, not how many months
    n = _int_value(m.group("n"))
    return ("months", n) if n and 1 <= n <= 600 else None


@_rule(rf"(?P<n>{_NUM})个(?:多)?月", "months")
def _n_months(m: re.Match[str], text: str, today: date) -> Optional[RuleResult]:
    if _before(text, m) == "第":
        return None
    n = _int_value(m.group("n"))
    return ("months", n) if n and 1 <= n <= 600 else None


@_rule(rf"(?P<n>{_NUM})(?:个)?(?:多)?季度", "months")
def _quarters(m: re.Match[str], text: str, today: date) -> Optional[RuleResult]:
    if _before(text, m) == "第":
        return None
    n = _int_value(m.group("n"))
    return ("months", 3 * n) if n and 1 <= n <= 40 else None


@_rule(rf"(?P<n>{_NUM})(?:多)?年(?P<half>半)?(?!级|代|纪|龄|薪|利率|化|前|\d|[{_CD}十]+月)", "months")
def _years(m: re.Match[str], text: str, today: date) -> Optional[RuleResult]:
    if _before(text, m) == "第":
        return None
    v = parse_number(m.group("n"))
    if v is None or v <= 0 or v > 30:
        return None  # 2026年 is a year, not a duration
    if m.group("half"):
        v += Decimal("0.5")
    months = v * 12
    if months != months.to_integral_value():
        return None
    return "months", int(months)


@_rule(r"(?<![上下前后])半年(?!级|化|前)", "months")
def _half_year(m: re.Match[str], text: str, today: date) -> Optional[RuleResult]:
    return "months", 6


# --- days --------------------------------------------------------------------------

@_rule(rf"(?P<n>{_NUM})(?:个)?(?:多)?(?:天|工作日|自然日|日(?=内|之内|以内))", "days")
def _n_days(m: re.Match[str], text: str, today: date) -> Optional[RuleResult]:
    if _before(text, m) == "第":
        return None
    n = _int_value(m.group("n"))
    return ("days", n) if n and 1 <= n <= 3650 else None


@_rule(rf"(?P<n>{_NUM})(?:个)?(?:多)?(?:周|星期|礼拜)(?!年|岁)", "days")
def _n_weeks(m: re.Match[str], text: str, today: date) -> Optional[RuleResult]:
    if _before(text, m) == "第":
        return None
    n = _int_value(m.group("n"))
    return ("days", 7 * n) if n and 1 <= n <= 520 else None


@_rule(r"(?<![上下个])半个?月", "days")
def _half_month(m: re.Match[str], text: str, today: date) -> Optional[RuleResult]:
    return "days", 15


@_rule(rf"(?P<n>{_NUM})个半月", "days")
def _n_and_half_months(m: re.Match[str], text: str, today: date) -> Optional[RuleResult]:
    n = _int_value(m.group("n"))
    return ("days", 30 * n + 15) if n and 1 <= n <= 24 else None


# --- amounts -----------------------------------------------------------------------

# Words right after a number that make it a count, a time, a rate or a date, not money.
_AFTER_NUMBER_WORDS = (
    "期", "个", "月", "天", "日", "号", "周", "星期", "礼拜", "年", "岁", "%", "‰",
    "点", "次", "笔", "张", "家", "位", "倍", "分钟", "分之", "小时", "秒", "折",
    "层", "楼", "条", "项", "口", "套", "台", "辆", "种", "样", "遍", "趟", "回",
    "名", "级", "代", "季", "届", "集", "页", "章", "节", "克", "斤", "米", "公里",
    "度", "份", "间", "只", "本", "部", "美元", "美金", "港币", "欧元", "英镑", "刀",
    "/", ":", "成", "人", "多月", "多天", "多年", "多个", "半",
)
# Words shortly before a number that make it an identifier or a rate.
_ID_WORDS = ("尾号", "尾数", "卡号", "账号", "帐号", "编号", "单号", "号码", "手机号", "验证码",
             "密码", "身份证", "工号", "订单", "合同号", "工单", "QQ", "qq", "微信号",
             "电话", "热线", "拨打")
_RATE_WORDS = ("率", "年化", "百分之")
_CLAUSE_BREAK = re.compile(r"[\s,，。.!！?？;；:：、()（）\[\]【】<>《》\"'“”‘’~～]")
_SLANG = frozenset({"88", "886", "520", "521", "1314", "555", "5555", "666", "6666",
                    "233", "2333", "748", "484"})
_MONEY_CUES = ("还", "欠", "借", "付", "交", "剩", "扣", "收", "差", "存", "转", "花", "赚",
               "挣", "月供", "工资", "每月", "每个月", "多少", "只有", "罚", "给")
_HOTLINE = re.compile(r"(?:12378|12363|12315|95\d{3,4}|400\d{7}|800\d{7})")

_MONEY_SUFFIX = r"块钱|块|元钱|元|圆|人民币|RMB|rmb|CNY|cny|yuan"
# 三块五 = 3.5 yuan; the digit must not start a count of its own (500块一个月).
_JIAO = rf"(?P<jiao>[0-9{_CD}])(?:毛|角)?(?![\d{_CD}{_CU}期个月天日号周年岁%次笔])"


@_rule(
    rf"(?P<pre>[￥¥]\s?|人民币|RMB\s?|rmb\s?|CNY\s?)?(?P<num>{_NUM})"
    rf"(?P<approx>多|余|来(?=块|元))?"
    rf"(?:(?P<unit>{_MONEY_SUFFIX})(?!儿|头|旦|素|宵|气)(?:{_JIAO})?)?",
    "amount",
)
def _amount(m: re.Match[str], text: str, today: date) -> Optional[RuleResult]:
    num = m.group("num")
    value = parse_number(num)
    if value is None or value <= 0:
        return None
    marked = bool(m.group("pre") or m.group("unit"))
    before = text[max(0, m.start() - 1):m.start()]
    if before in ("第", "几", "+"):
        return None  # 第3 / 几十块 / n+1
    if before == "月" and not marked and value <= 31:
        return None  # 每月15还: a day of the month, not 15 yuan
    if not m.group("pre") and before.isascii() and (before.isalpha() or before == "_"):
        return None  # M3, v2, PA...
    if before in ("-", "#", "@", "/", "."):
        range_dash = before == "-" and m.start() >= 2 and text[m.start() - 2].isdigit()
        if not (range_dash or marked):  # "3000-5000" is a range of two amounts
            return None
    if not marked:
        after = text[m.end():m.end() + 4]
        if after.startswith(_AFTER_NUMBER_WORDS) or (after[:1].isascii() and after[:1].isalpha()):
            return None
        if not any(c.isdigit() for c in num) and not any(c in "百佰千仟万萬亿億" for c in num):
            return None  # bare 一/十/二十: too common in words (一下, 十分) to be money
        if num.isdigit() and (value < 10 or num.startswith("0")):
            return None  # "征信上一个1", "1 2 3", "尾数0321"
        if num in _SLANG and not _preceded_by(text, m.start(), _MONEY_CUES, 8):
            return None  # 88 / 886 = bye, 555 = crying, 666 = great
        if after[:1] in (")", "）", "、", "]", "】") and value < 100:
            return None  # list numbering: "1、" "(2)" "alert(1)"
        digits = re.sub(r"\D", "", num.split(".")[0])
        if len(digits) >= 10 or _HOTLINE.fullmatch(num):
            return None  # phone, card or id number, service hotline
        if _preceded_by(text, m.start(), _ID_WORDS, 6) or _preceded_by(text, m.start(), _RATE_WORDS, 3):
            return None
    if num == "一" and m.group("unit") == "块" and not _ends_phrase_or(text, m.end(), "都也"):
        return None  # 一块 = "together": 下个月一块还, 全压一块了
    if m.group("jiao"):
        if value >= 1000 or value != value.to_integral_value():
            # "1000元5" is not 1000.5: leave the digit out of the span
            return "amount", amount_value(value), m.start("jiao")
        jiao = _CN_DIGITS.get(m.group("jiao"))
        if jiao is None:
            jiao = int(m.group("jiao"))
        value += Decimal(jiao) / 10
    return "amount", amount_value(value)


def _ends_phrase_or(text: str, end: int, allowed: str) -> bool:
    nxt = text[end:end + 1]
    return not nxt or not nxt.isalnum() or nxt in allowed


def _preceded_by(text: str, start: int, words: Tuple[str, ...], width: int) -> bool:
    """One of `words` within `width` chars before `start`, in the same clause."""
    window = text[max(0, start - width):start]
    parts = _CLAUSE_BREAK.split(window)
    return any(w in parts[-1] for w in words)


# --------------------------------------------------------------------------- driver

def _candidates(text: str, today: date) -> Iterator[Tuple[int, int, str, Value]]:
    for pattern, handler, _entity in _RULES:
        pos = 0
        while pos <= len(text):
            m = pattern.search(text, pos)
            if m is None:
                break
            if m.end() > m.start():
                res = handler(m, text, today)
                if res is not None:
                    end = res[2] if len(res) > 2 else m.end()
                    yield m.start(), end, res[0], res[1]
            # step one char on: a rejected long match must not hide a shorter one
            pos = m.start() + 1


def extract(text: str, today: date) -> List[Entity]:
    """Find amounts (yuan), months, days and dates in `text`.

    Offsets refer to `text` exactly as given. Never raises on odd input; returns []
    for empty or non-string text.
    """
    if not isinstance(text, str) or not text:
        return []
    prepared = _prepare(text)
    cands = sorted(
        _candidates(prepared, today),
        key=lambda c: (c[0], -(c[1] - c[0]), _PRIORITY[c[2]]),
    )
    chosen: List[Entity] = []
    last_end = -1
    for start, end, entity, value in cands:
        if start < last_end:
            continue
        start, end = _trim(prepared, start, end)
        chosen.append(Entity(entity, value, start, end, text[start:end]))
        last_end = end
    return chosen


def _trim(text: str, start: int, end: int) -> Tuple[int, int]:
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
