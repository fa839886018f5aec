"""The evaluation's strict scorer: right only by procedure code."""
import pytest

from services.assistant.evaluation import Case, evaluate, figures, load, outcome, report


def answered(code: str, name: str) -> dict:
    return {"declined": False, "procedure": {"code": code, "name": name},
            "alternatives": [], "confidence": 0.9}


DECLINED = {"declined": True, "procedure": None, "alternatives": [], "confidence": 0.1}


def test_a_name_that_contains_the_expected_name_is_still_wrong():
    # "Đăng ký lại khai sinh" contains "khai sinh" and "Đăng ký ... khai sinh": a scorer
    # matching name fragments would count it right.
    case = Case("khai sinh", "vi", ("HT-01",))
    assert outcome(case, answered("HT-08", "Đăng ký lại khai sinh")) == "wrong"
    assert outcome(case, answered("HT-01", "Đăng ký khai sinh")) == "right"


def test_any_listed_code_is_right_and_a_decline_is_not_wrong():
    case = Case("mất giấy khai sinh", "vi", ("HT-08", "HT-13"))
    assert outcome(case, answered("HT-13", "Cấp bản sao trích lục hộ tịch")) == "right"
    assert outcome(case, DECLINED) == "declined"


def test_out_of_scope_is_right_only_when_declined():
    case = Case("ly hôn", "decline", ())
    assert outcome(case, DECLINED) == "right"
    assert outcome(case, answered("HT-02", "Đăng ký kết hôn")) == "wrong"


def test_figures_count_wrong_answers_over_every_question():
    cases = [Case("khai sinh", "vi", ("HT-01",)), Case("khai sinh", "vi-plain", ("HT-01",)),
             Case("ly hôn", "decline", ()), Case("kết hôn", "vi", ("HT-02",))]
    replies = {"khai sinh": answered("HT-08", "Đăng ký lại khai sinh"), "ly hôn": DECLINED,
               "kết hôn": answered("HT-02", "Đăng ký kết hôn")}
    rows, failures = evaluate(cases, replies.__getitem__)
    got = figures(rows)
    assert got == {"top1_vi": 0.5, "top1_plain": 0.0, "wrong": 0.5, "declines": 1.0}
    assert [f["got"] for f in failures] == ["wrong", "wrong"]


def test_each_question_with_diacritics_is_also_asked_without(tmp_path):
    path = tmp_path / "set.yaml"
    path.write_text('- {q: "Khai tử ở đâu", lang: vi, expect: [HT-03]}\n'
                    '- {q: "ket hon", lang: vi-plain, expect: [HT-02]}\n'
                    '- {q: "ly hôn", lang: decline, expect: decline}\n', "utf-8")
    assert load(path) == [Case("Khai tử ở đâu", "vi", ("HT-03",)),
                          Case("khai tu o dau", "vi-plain", ("HT-03",)),
                          Case("ket hon", "vi-plain", ("HT-02",)),
                          Case("ly hôn", "decline", ())]


@pytest.mark.parametrize("expect", ["HT-01", "[]", "ly hôn"])
def test_a_label_that_is_not_a_list_of_codes_is_refused(tmp_path, expect):
    path = tmp_path / "set.yaml"
    path.write_text(f'- {{q: "khai sinh", lang: vi, expect: {expect}}}\n', "utf-8")
    with pytest.raises(ValueError, match="question 1: expect must be"):
        load(path)


def test_coverage_counts_the_sentences_of_answers_in_hmong_and_thai_only():
    def reply(language: str, sentences: int, in_language: int) -> dict:
        return {**answered("HT-02", "Đăng ký kết hôn"), "language": language,
                "coverage": {"sentences": sentences, "in_language": in_language}}
    replies = {"sib yuav": reply("hmn", 4, 3), "yuav poj niam": reply("hmn", 6, 6),
               "au phua mía": reply("tai", 5, 1), "kết hôn": reply("vi", 9, 9)}
    cases = [Case(q, "hmn", ("HT-02",)) for q in replies]
    rows, _ = evaluate(cases, replies.__getitem__)
    printed = report("dev", rows)
    assert "coverage, Hmong                    90.0%   of 10 answer sentences" in printed
    assert "coverage, Thái                     20.0%   of 5 answer sentences" in printed
    assert "coverage, Vietnamese" not in printed
    assert figures(rows)["wrong"] == 0.0
