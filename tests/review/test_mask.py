"""bot.review.mask: personal data out, everything the NLU needs (amounts, dates,
durations) in."""
import pytest

from bot.review.mask import PLACEHOLDERS, mask

PHONE, TEL, ID, CARD = "【手机号】", "【电话】", "【身份证号】", "【银行卡号】"
NAME, ADDR, MAIL, NUM = "【姓名】", "【地址】", "【邮箱】", "【号码】"


def test_placeholders_come_from_the_rules_file():
    assert PLACEHOLDERS["mobile"] == PHONE and PLACEHOLDERS["bank_card"] == CARD


# ------------------------------------------------------------------------ mobile numbers

@pytest.mark.parametrize("text, expected", [
    ("我的手机号是13812345678", "我的手机号是" + PHONE),
    ("13812345678", PHONE),
    ("电话 138 1234 5678 谢谢", "电话 " + PHONE + " 谢谢"),
    ("138-1234-5678", PHONE),
    ("138 - 1234 - 5678", PHONE),
    ("1381234 5678", PHONE),
    ("138－1234－5678", PHONE),  # full-width dashes
    ("+86 138-1234-5678", PHONE),
    ("+8613812345678", PHONE),
    ("+86 13812345678", PHONE),
    ("0086 13812345678", PHONE),
    ("008613812345678", PHONE),
    ("86-138-1234-5678", PHONE),
    ("手机：１３８１２３４５６７８", "手机：" + PHONE),  # full-width digits
    ("１３８　１２３４　５６７８", PHONE),  # full-width digits and spaces
    ("一三八一二三四五六七八", PHONE),  # Chinese numerals
    ("我电话幺三八幺二三四五六七八你打吧", "我电话" + PHONE + "你打吧"),
    ("幺三八 幺二三四 五六七八", PHONE),
    ("一三九零零零零一一一一", PHONE),
    ("一五〇 一二三四 五六七八", PHONE),
    ("138一二三四5678", PHONE),  # mixed
    ("壹叁捌壹贰叁肆伍陆柒捌", PHONE),
    ("1 3 8 1 2 3 4 5 6 7 8", PHONE),
    ("打我手机19912345678或者17700001111", "打我手机" + PHONE + "或者" + PHONE),
])
def test_mobile_numbers(text, expected):
    assert mask(text) == expected


# ----------------------------------------------------------------------------- landlines

@pytest.mark.parametrize("text, expected", [
    ("座机 010-12345678", "座机 " + TEL),
    ("0755 1234567", TEL),
    ("021-6123-4567", TEL),
    ("075512345678", TEL),
    ("电话是87654321", "电话是" + TEL),
    ("座机：8765 4321", "座机：" + TEL),
])
def test_landlines(text, expected):
    assert mask(text) == expected


# ------------------------------------------------------------------------------ ID cards

@pytest.mark.parametrize("text, expected", [
    ("身份证 110105194912310021", "身份证 " + ID),
    ("身份证 11010519491231002X", "身份证 " + ID),
    ("身份证号11010519491231002x。", "身份证号" + ID + "。"),
    ("身份证号 110105 19491231 002X", "身份证号 " + ID),
    ("110105-1949-1231-0021", ID),
    ("４４０３０１１９９００１０１１２３Ｘ", ID),  # full width, X included
    ("老身份证 110105491231002", "老身份证 " + ID),
    ("身份证号码是一一零一零五一九四九一二三一零零二一", "身份证号码是" + ID),
    ("本人刘德华身份证110105194912310021", "本人" + NAME + "身份证" + ID),
])
def test_id_cards(text, expected):
    assert mask(text) == expected


def test_raw_id_digits_never_survive():
    out = mask("我的身份证 11010519491231002X 卡号 6222021234567890")
    assert "1949" not in out and "6222" not in out and "002X" not in out


# ---------------------------------------------------------------------------- bank cards

@pytest.mark.parametrize("text, expected", [
    ("卡号 6222 0212 3456 7890", "卡号 " + CARD),  # 16 digits grouped
    ("6222021234567890", CARD),  # 16 digits
    ("6222-0212-3456-7890-123", CARD),  # 19 digits grouped
    ("6222021234567890123", CARD),  # 19 digits
    ("622202 1234567890123", CARD),
    ("6212 2612 0200 1234 567 这张卡", CARD + " 这张卡"),
    ("卡号：６２２２　０２１２　３４５６　７８９０", "卡号：" + CARD),
    ("卡号六二二二零二一二三四五六七八九零", "卡号" + CARD),
    ("3782 822463 10005", CARD),  # 15-digit card, 4-6-5
    ("622202123456", CARD),  # 12 digits
    ("合同号 12345678901234567890123", "合同号 " + NUM),
])
def test_bank_cards(text, expected):
    assert mask(text) == expected


def test_phone_and_card_written_together_are_both_masked():
    assert mask("13812345678 6222021234567890") == PHONE + " " + CARD
    assert mask("卡6222 0212 3456 7890 手机138 1234 5678") == "卡" + CARD + " 手机" + PHONE


def test_a_card_is_never_read_as_a_phone_inside_it():
    # prefer the long run: "13812345678" inside a card number is part of the card
    assert mask("6213812345678901") == CARD


# ------------------------------------------------------------------------------- e-mail

@pytest.mark.parametrize("text, expected", [
    ("邮箱 zhang.san@qq.com", "邮箱 " + MAIL),
    ("发到123456789@qq.com吧", "发到" + MAIL + "吧"),
    ("ｗａｎｇ＠１６３．ｃｏｍ", MAIL),
])
def test_email(text, expected):
    assert mask(text) == expected


# -------------------------------------------------------------------------------- names

@pytest.mark.parametrize("text, expected", [
    ("我叫王小明，欠了3000元", "我叫" + NAME + "，欠了3000元"),
    ("姓名：欧阳娜娜 电话13812345678", "姓名：" + NAME + " 电话" + PHONE),
    ("姓名李四身份证110105194912310021", "姓名" + NAME + "身份证" + ID),
    ("我的名字叫陈晓", "我的名字叫" + NAME),
    ("我是李四，想问下", "我是" + NAME + "，想问下"),
    ("我是张伟", "我是" + NAME),
    ("本人刘洋，逾期了", "本人" + NAME + "，逾期了"),
    ("王先生您好", NAME + "先生您好"),
    ("我是张女士", "我是" + NAME + "女士"),
    ("张伟先生", NAME + "先生"),
    ("李小姐在吗", NAME + "小姐在吗"),
    ("我姓王", "我姓" + NAME),
])
def test_names(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize("text", [
    "我是江苏的",
    "我是高中生",
    "我是真的没钱了",
    "我是想问一下还款的事",
    "我是单亲妈妈",
    "我叫你们别打了",
    "本人现在失业了",
    "先生您好",
    "谢谢先生",
])
def test_not_names(text):
    assert mask(text) == text


# ---------------------------------------------------------------------------- addresses

@pytest.mark.parametrize("text, expected", [
    ("我住在北京市朝阳区建国路88号", "我住在" + ADDR),
    ("地址：上海市浦东新区世纪大道100号3号楼2单元501室，麻烦寄过来", "地址：" + ADDR + "，麻烦寄过来"),
    ("北京市海淀区中关村大街1号", ADDR),
    ("3号楼2单元501室", ADDR),
    ("家住河南省郑州市金水区，没工作", "家住" + ADDR + "，没工作"),
    ("我在广东省深圳市南山区科技园上班", "我在" + ADDR + "上班"),
])
def test_addresses(text, expected):
    assert mask(text) == expected


# -------------------------------------------------------- what must stay (NLU needs it)

@pytest.mark.parametrize("text", [
    "逾期30天了",
    "逾期 30 天",
    "欠3000元",
    "欠了 3000 元",
    "还两千行不行",
    "1.5万",
    "三千五",
    "一万二千块",
    "分12期",
    "分十二期",
    "利率18.25%",
    "2026-12-01还款",
    "2026年12月1日",
    "20261201",
    "下个月15号",
    "3号5号都行",
    "时间 2026-12-01 10:30",
    "欠了 3000 5000 8000 2000",
    "总共 12000 15000 20000",
    "100000000000元",
    "¥100000000000",
    "尾号6621的卡",
    "卡号后四位 6621",
    "客服电话95588",
    "400-820-8820",
    "验证码 123456",
    "我在上海市工作",
    "第1期 2期 3期",
    "逾期三个月了，每个月还500，还了6个月",
    "不是这个意思",
    "",
])
def test_amounts_dates_and_short_numbers_stay(text):
    assert mask(text) == text


def test_none_and_sentinel_characters():
    assert mask(None) == ""
    # private-use characters cannot be turned into placeholders by a borrower
    assert "【" not in mask("\ue000\ue001")


def test_a_realistic_message():
    text = ("你好我叫张三，身份证 44030119900101123X，手机 +86 139-0000-1111，"
            "卡号 6222 0212 3456 7890 逾期30天欠了3000元，能分12期吗")
    assert mask(text) == (f"你好我叫{NAME}，身份证 {ID}，手机 {PHONE}，"
                          f"卡号 {CARD} 逾期30天欠了3000元，能分12期吗")


def test_the_training_examples_are_almost_never_touched():
    """The NLU examples hold amounts, dates and durations but no personal data: masking
    them should change (almost) nothing. Catches rules that eat ordinary words."""
    import glob
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[2]
    examples = []
    for path in sorted(glob.glob(str(root / "data" / "nlu" / "*.yml"))):
        for block in (yaml.safe_load(open(path, encoding="utf-8")) or {}).get("nlu") or []:
            for line in (block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    examples.append(line.strip()[2:])
    if not examples:
        pytest.skip("no NLU training data")
    changed = [(t, mask(t)) for t in examples if mask(t) != t]
    assert len(changed) <= max(3, len(examples) // 500), changed
