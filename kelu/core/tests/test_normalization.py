import pytest

from kelu.core.emails import mask_email, normalize_email
from kelu.core.phones import mask_phone, normalize_phone, split_region
from kelu.core.text import clean_name, pinyin_of, sort_letter, to_halfwidth


@pytest.mark.parametrize("raw", ["+86 138-0013-8000", "１３８００１３８０００", "13800138000", "(+86) 138 0013 8000"])
def test_mainland_mobile_forms_store_as_e164(raw):
    phone = normalize_phone(raw)
    assert phone.normalized == "+8613800138000"
    assert phone.is_valid
    assert phone.raw == raw


def test_phone_region_hint_fills_province_and_city():
    assert (normalize_phone("138 0013 8000").province, normalize_phone("138 0013 8000").city) == ("北京市", "北京市")
    landline = normalize_phone("0755 2345 6789")
    assert (landline.province, landline.city) == ("广东省", "深圳市")


def test_invalid_phone_is_kept_as_entered_and_flagged():
    phone = normalize_phone("12345")
    assert not phone.is_valid
    assert phone.raw == "12345"
    assert phone.problem == "invalid"
    assert not phone.normalized.startswith("+")


def test_text_that_is_no_phone_is_flagged_not_dropped():
    phone = normalize_phone("call me maybe")
    assert (phone.is_valid, phone.raw, phone.problem) == (False, "call me maybe", "not_a_number")


@pytest.mark.parametrize("raw", ["010-6552 9988 转 123", "010 6552 9988 ext. 123", "(010) 65529988 分机 123"])
def test_chinese_and_english_extensions(raw):
    phone = normalize_phone(raw)
    assert (phone.normalized, phone.extension, phone.is_valid) == ("+861065529988", "123", True)


def test_foreign_number_keeps_its_country_and_no_chinese_region():
    phone = normalize_phone("+1 650 253 0000")
    assert phone.normalized == "+16502530000"
    assert (phone.province, phone.city) == ("", "")


def test_split_region_handles_autonomous_regions():
    assert split_region("内蒙古自治区呼和浩特市") == ("内蒙古自治区", "呼和浩特市")
    assert split_region("上海市") == ("上海市", "上海市")
    assert split_region("美国") == ("", "")


def test_email_is_lower_cased_and_invalid_one_flagged():
    assert normalize_email(" Zhang.Wei@Example.COM ").normalized == "zhang.wei@example.com"
    bad = normalize_email("zhang@")
    assert (bad.is_valid, bad.raw, bad.problem) == (False, "zhang@", "invalid")


def test_masks():
    assert mask_phone("+8613800138000") == "138****8000"
    assert mask_email("zw@example.com") == "z***@example.com"


def test_names_are_trimmed_half_width_and_chinese_without_spaces():
    assert clean_name("  张　伟 ") == "张伟"
    assert clean_name("Emily   Chen") == "Emily Chen"
    assert to_halfwidth("ＡＢＣ１２３") == "ABC123"


def test_pinyin_full_and_initials():
    assert pinyin_of("张伟") == ("zhangwei", "zw")
    assert pinyin_of("Emily Chen") == ("emilychen", "ec")
    assert pinyin_of("重庆鑫淼科技")[1] == "cqxmkj"
    assert sort_letter("张伟") == "Z"
    assert sort_letter("Emily") == "E"
    assert sort_letter("123") == "#"
