"""Answers worded in Hmong and Thái from sentence templates and a glossary, Vietnamese
only for the phrases the glossary lacks: pure."""
import pytest

from services.assistant import answers
from services.assistant.domain import default_assistant
from services.assistant.knowledge import KnowledgeError
from services.assistant.wording import (
    SENTENCES,
    Entry,
    Term,
    Wording,
    check_entry,
    clauses,
    default_wordings,
    load_all,
    phrase_key,
)

VI = {key: entry.text for key, entry in default_wordings()["vi"].sentences.items()}


def wording(*terms: Term, reviewed: bool = False) -> Wording:
    sentences = {key: Entry(text=f"<{key}> " + " ".join("{" + p + "}" for p in
                                                        sorted(_slots(VI[key]))),
                            reviewed=reviewed) for key in SENTENCES}
    return Wording("xx", sentences, {phrase_key(t.vi): t for t in terms})


def _slots(template: str) -> set[str]:
    return Wording("vi", {"k": Entry(text=template)}).slots("k")


def test_a_field_is_cut_into_clauses_at_full_stops_and_semicolons_outside_brackets():
    assert clauses("Ngay trong ngày; nhận sau 15 giờ thì trả tiếp. Hẹn lại (a; b).") == [
        "Ngay trong ngày", "nhận sau 15 giờ thì trả tiếp", "Hẹn lại (a; b)"]
    assert clauses("2.000 đồng/trang.") == ["2.000 đồng/trang"]


def test_a_known_phrase_is_said_in_the_language_with_its_numbers():
    w = wording(Term(vi="{n} ngày làm việc", text="{n} hnub ua haujlwm"))
    said = w.phrase("05 ngày làm việc.")
    assert said.text == "05 hnub ua haujlwm" and said.vietnamese == ()
    assert w.phrase("03 Ngày  làm việc").text == "03 hnub ua haujlwm"


def test_an_unknown_phrase_stays_vietnamese_marked_and_named():
    w = wording(Term(vi="Ngay trong ngày", text="Hnub ntawd"))
    said = w.phrase("Ngay trong ngày; nhận sau 15 giờ thì trả tiếp.")
    assert said.text == "Hnub ntawd; «nhận sau 15 giờ thì trả tiếp»"
    assert said.vietnamese == ("nhận sau 15 giờ thì trả tiếp",)


def test_an_answer_lists_its_vietnamese_phrases_counts_its_sentences_and_notes_it():
    procedure = default_assistant().kb.get("HT-02")
    w = wording(Term(vi=procedure.name, text="Sau npe sib yuav"),
                Term(vi=procedure.field, text="Ntaub ntawv tsev neeg"))
    composed = answers.compose(w, procedure, ("fee",), "v1")
    assert composed.vietnamese_terms == (procedure.fee.rstrip("."),)
    assert (composed.sentences, composed.in_language) == (2, 1)  # heading, fee
    assert composed.text.splitlines()[0] == "<heading> HT-02 Ntaub ntawv tsev neeg Sau npe sib yuav"
    assert composed.text.splitlines()[-1] == "<fallback_note> "
    assert not composed.reviewed


def test_an_answer_wholly_in_the_language_has_no_note_and_is_reviewed_when_all_was():
    procedure = default_assistant().kb.get("HT-02")
    terms = [Term(vi=v, text="x", reviewed=True) for v in (procedure.name, procedure.field,
                                                             procedure.fee)]
    composed = answers.compose(wording(*terms, reviewed=True), procedure, ("fee",), "v1")
    assert composed.vietnamese_terms == () and composed.in_language == composed.sentences
    assert "<fallback_note>" not in composed.text and composed.reviewed
    one_unreviewed = [*terms[:2], Term(vi=procedure.fee, text="x")]
    assert not answers.compose(wording(*one_unreviewed, reviewed=True), procedure,
                               ("fee",), "v1").reviewed


def test_vietnamese_answers_say_the_fields_as_written_and_count_as_reviewed():
    answer = default_assistant().answer("Đăng ký kết hôn mất bao nhiêu tiền?")
    assert answer["vietnamese_terms"] == [] and answer["wording_reviewed"]
    assert "«" not in answer["answer"]


@pytest.mark.parametrize(("kind", "key", "vi", "text", "problem"), [
    ("sentence", "fee", "fee", "Nqi: {cost}", "exactly {value}"),
    ("sentence", "fee", "fee", "Nqi", "exactly {value}"),
    ("sentence", "documents", "documents", "   ", "empty"),
    ("term", "k", "{n} ngày", "hnub", "{n} 1 time"),
    ("term", "k", "ngày", "{x} hnub", "no other"),
])
def test_an_entry_that_would_break_answers_is_named(kind, key, vi, text, problem):
    assert problem in check_entry(VI, kind, key, vi, text)


def test_a_wording_file_missing_a_sentence_is_refused_by_name(tmp_path):
    (tmp_path / "hmn.yaml").write_text(
        "language: hmn\nstatus: test\nsentences:\n  fee: {text: 'Nqi: {value}'}\n", "utf-8")
    with pytest.raises(KnowledgeError, match=r"hmn\.yaml: sentences missing: .*citation"):
        load_all(VI, tmp_path)


@pytest.mark.parametrize("code", ["hmn", "tai"])
def test_shipped_wording_is_honestly_unreviewed(code):
    """Machine-drafted: nobody who speaks the language has checked it yet."""
    w = default_wordings()[code]
    assert {entry.reviewed for _, _, _, entry in w.entries()} == {False}


def test_the_phrases_a_glossary_lacks_are_terms_to_write_listed_once_each():
    w = wording(Term(vi="Không thu phí", text="Tsis sau nyiaj"))
    lacking = w.lacking(["Không thu phí.", "Trong 05 ngày; không thu phí", "trong 5 ngày"])
    assert lacking == {"trong {n} ngày": Term(vi="Trong {n} ngày", text="")}
    assert default_wordings()["vi"].lacking(["Ngay trong ngày"]) == {}
