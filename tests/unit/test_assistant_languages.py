"""Language detection and the glossaries of the assistant (Hmong, Thái): pure."""
import pytest

from services.assistant.domain import default_assistant
from services.assistant.knowledge import KnowledgeError
from services.assistant.languages import default_languages, load_all
from services.assistant.wording import SENTENCES

# The procedures most asked at the one-stop shop (Lùng Phình Q1/2026: certification and
# civil status first), which both glossaries must name.
MOST_ASKED = {"HT-01", "HT-02", "HT-03", "HT-04", "HT-06", "HT-07", "HT-13", "HT-15",
              "CT-01", "CT-02", "CT-03", "CT-06", "XH-01", "XH-03", "XH-04", "DD-01",
              "DD-02", "KD-01", "CTR-01", "CTR-02"}


@pytest.mark.parametrize(("question", "language"), [
    ("Làm giấy khai sinh cần gì?", "vi"),
    ("lam giay khai sinh can gi", "vi"),
    ("Kuv xav sau npe yug menyuam", "hmn"),
    ("nyiaj pab neeg laus pes tsawg nyiaj", "hmn"),
    ("Cỏi khắt tẻm chư lục cợt", "tai"),
    ("coi khat tem chu luc cot", "tai"),
    ("中华人民共和国", ""),
    ("😀 ???", ""),
])
def test_detects_the_language_from_the_glossaries(question, language):
    assert default_assistant().languages.detect(question) == language


def test_hmong_terms_are_read_as_vietnamese_for_retrieval():
    reading = default_assistant().languages.read("sau npe sib yuav pes tsawg nyiaj")
    assert reading.language == "hmn"
    assert reading.vietnamese == "dang ky ket hon le phi bao nhieu tien"
    assert reading.unknown_words == ()


def test_words_no_glossary_knows_are_reported():
    reading = default_assistant().languages.read("kuv xav sau npe sib yuav xyoo tom ntej")
    assert reading.language == "hmn"
    assert set(reading.unknown_words) >= {"xyoo", "ntej"}


@pytest.mark.parametrize("code", ["hmn", "tai"])
def test_glossaries_name_the_twenty_most_asked_procedures(code):
    named = {t.procedure for t in default_languages()[code].glossary if t.procedure}
    assert MOST_ASKED <= named


@pytest.mark.parametrize("code", ["hmn", "tai"])
def test_drafted_entries_are_not_marked_reviewed(code):
    """Nobody who speaks the language has checked these yet: the data must say so."""
    language = default_languages()[code]
    assert language.orthography and language.provenance
    assert {t.review_status for t in language.glossary} == {"unreviewed"}


def test_a_language_file_missing_templates_is_refused_by_name(tmp_path):
    (tmp_path / "vi.yaml").write_text(
        "language: vi\nname: Tiếng Việt\northography: Quốc ngữ\nprovenance: test\n"
        "templates:\n  heading: {text: '{name}', review_status: reviewed}\n", "utf-8")
    with pytest.raises(KnowledgeError, match=r"vi\.yaml: templates missing: .*citation"):
        load_all(tmp_path)


def test_vietnamese_has_every_template_and_the_others_have_theirs_in_their_wording():
    languages = default_languages()
    assert set(languages["vi"].templates) == {*SENTENCES, "unknown_language"}
    assert not languages["hmn"].templates and not languages["tai"].templates
