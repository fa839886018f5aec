"""Vietnamese normalisation and retrieval of the assistant: pure, on the shipped data."""
import unicodedata

import pytest

from services.assistant.domain import THRESHOLD, default_assistant
from services.assistant.retrieval import normalise, syllables, terms


def test_normalise_folds_case_diacritics_and_d_bar():
    assert normalise("Đăng  Ký KHAI SINH!") == "dang ky khai sinh"


def test_normalise_treats_decomposed_unicode_as_composed():
    decomposed = unicodedata.normalize("NFD", "giấy chứng nhận kết hôn")
    assert decomposed != "giấy chứng nhận kết hôn"
    assert normalise(decomposed) == normalise("giấy chứng nhận kết hôn") == \
        "giay chung nhan ket hon"


def test_terms_are_syllables_and_adjacent_pairs():
    assert terms(syllables("sổ đỏ lần đầu")) == ["so", "do", "lan", "dau", "so_do", "do_lan",
                                                  "lan_dau"]


@pytest.mark.parametrize(("question", "code"), [
    ("đăng ký khai sinh", "HT-01"),
    ("dang ky khai sinh", "HT-01"),
    ("ĐĂNG KÝ KẾT HÔN", "HT-02"),
    ("chứng thực bản sao giấy tờ", "CT-01"),
    ("tach ho khau", "CTR-06"),
    ("hòa giải tranh chấp đất đai", "DD-01"),
])
def test_a_procedure_asked_by_name_comes_first_with_or_without_diacritics(question, code):
    hits = default_assistant().index.search(question)
    assert hits[0].code == code
    assert hits[0].confidence >= THRESHOLD


def test_the_shorter_name_wins_when_several_names_contain_the_question():
    # "đăng ký khai sinh" is also in HT-05 and HT-14's names.
    codes = [h.code for h in default_assistant().index.search("đăng ký khai sinh")]
    assert codes[0] == "HT-01" and {"HT-05", "HT-14"} & set(codes[1:])


def test_confidence_falls_with_words_the_knowledge_base_does_not_have():
    index = default_assistant().index
    plain = index.search("đăng ký kết hôn")[0].confidence
    padded = index.search("đăng ký kết hôn trên sao hỏa bằng tàu vũ trụ")[0].confidence
    assert plain == 1.0 and padded < THRESHOLD


def test_nothing_in_common_finds_nothing():
    assert default_assistant().index.search("zzz qqq") == []
    assert default_assistant().index.search("") == []
