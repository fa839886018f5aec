"""The ranking rules of the assistant's retrieval: the common procedure before its rare
variants, situation phrases, other offices' matters. Pure, on the shipped data."""
import pytest

from services.assistant.domain import THRESHOLD, default_assistant
from services.assistant.knowledge import KnowledgeError, Situation, Situations, load
from services.assistant.knowledge import default as default_knowledge
from services.assistant.retrieval import Index, is_within, syllables, variants


def top(question: str) -> str:
    return default_assistant().index.search(question)[0].code


@pytest.mark.parametrize(("question", "common"), [
    ("khai sinh", "HT-01"), ("KHAI SINH", "HT-01"),
    ("kết hôn", "HT-02"), ("KET HON", "HT-02"),
    ("khai tử", "HT-03"), ("khai tu", "HT-03"),
    ("giám hộ", "HT-11"), ("thường trú", "CTR-01"),
])
def test_a_bare_question_gets_the_common_procedure_not_its_variant(question, common):
    assert top(question) == common


@pytest.mark.parametrize(("question", "variant"), [
    ("đăng ký lại khai sinh", "HT-08"), ("dang ky lai ket hon", "HT-09"),
    ("đăng ký lại khai tử", "HT-10"), ("mất giấy đăng ký kết hôn", "HT-09"),
    ("chấm dứt giám hộ", "HT-12"), ("xóa đăng ký thường trú", "CTR-05"),
])
def test_the_variant_comes_first_when_the_question_names_it(question, variant):
    assert top(question) == variant


def test_variants_are_found_from_the_names_alone():
    procedures = default_knowledge().procedures
    position = {p.code: i for i, p in enumerate(procedures)}
    found = {procedures[v].code: {procedures[c].code for c in commons}
             for v, commons in variants(procedures).items()}
    assert found["HT-08"] == {"HT-01"} and found["HT-10"] == {"HT-03"}
    assert "HT-01" in found["HT-05"] and "HT-04" in found["HT-05"]
    assert "HT-01" not in found  # the common procedure is nobody's variant
    own = variants(procedures)[position["HT-08"]][position["HT-01"]]
    assert "lai" in own and "khai" not in own


def test_is_within_keeps_the_order_of_the_syllables():
    assert is_within(syllables("đăng ký khai sinh"), syllables("đăng ký lại khai sinh"))
    assert not is_within(syllables("khai sinh đăng ký"), syllables("đăng ký lại khai sinh"))


@pytest.mark.parametrize(("question", "code"), [
    ("người thân qua đời", "HT-03"),
    ("bố mẹ cho con mảnh đất", "CT-03"),
    ("đăng kí kết hôn", "HT-02"),
])
def test_a_situation_phrase_finds_the_procedure_it_means(question, code):
    hit = default_assistant().index.search(question)[0]
    assert hit.code == code and hit.confidence >= THRESHOLD


def test_lost_paper_is_not_read_as_a_death():
    # "mất" alone is "lost"; only with a person or đã/vừa/mới/rồi is it "died".
    assert top("mất giấy khai sinh") != "HT-03"


def test_another_offices_matter_finds_nothing():
    index = default_assistant().index
    assert index.search("ly hôn ở đâu") == []
    assert index.search("đăng ký xe máy mới mua") == []
    assert index.search("kết hôn")[0].code == "HT-02"


def test_no_one_syllable_situation_phrase_rewrites_a_procedures_own_word():
    # Folded, one syllable stands for several words (tặng/táng, tiệm/tiêm): a one-syllable
    # phrase that a procedure's name or aliases use would rewrite that procedure's words.
    kb = default_knowledge()
    called = {w for p in kb.procedures for n in (p.name, *p.aliases) for w in syllables(n)}
    single = [p for s in kb.situations.situations for p in s.phrases if len(syllables(p)) == 1]
    assert single and not [p for p in single if syllables(p)[0] in called]


@pytest.mark.parametrize(("question", "code"), [
    ("hộ kinh doanh", "KD-01"), ("giấy phép kinh doanh", "KD-01"),
    ("chấm dứt hoạt động hộ kinh doanh", "KD-04"), ("tạm trú", "CTR-02"),
    ("gia hạn tạm trú", "CTR-03"),
])
def test_a_variant_the_data_declares_follows_the_same_rule(question, code):
    assert top(question) == code


def test_a_variant_of_an_unknown_procedure_is_refused(tmp_path):
    (tmp_path / "x.yaml").write_text(
        "- code: KD-02\n  name: Đăng ký thay đổi hộ kinh doanh\n  variant_of: [KD-09]\n"
        "  field: Kinh doanh\n  level: Cấp xã\n"
        "  documents: [{id: a, name: Thông báo, form: original}]\n"
        "  processing_time: 3 ngày\n  fee: theo tỉnh\n  fee_varies_by_province: true\n"
        "  where: UBND xã\n  how: [in_person]\n  online_level: partial\n"
        "  legal_basis: [Nghị định 168/2025/NĐ-CP]\n", "utf-8")
    with pytest.raises(KnowledgeError, match=r"x\.yaml, KD-02: variant_of names KD-09"):
        load(tmp_path)


def test_a_situation_file_with_an_unknown_key_is_named(tmp_path):
    (tmp_path / "situations.yaml").write_text("situations: []\nsynonyms: []\n", "utf-8")
    with pytest.raises(KnowledgeError, match=r"situations\.yaml: synonyms: Extra inputs"):
        load(situations=tmp_path / "situations.yaml")


def test_what_a_phrase_means_is_not_read_again_nor_paired_across():
    kb = default_knowledge()
    situations = Situations(situations=(
        Situation(means="khai sinh cho con nhỏ", phrases=("mới đẻ con",), why="sinh con"),
        Situation(means="hợp đồng tặng cho", phrases=("cho con",), why="tặng cho con")))
    index = Index(kb.model_copy(update={"situations": situations}))
    assert index.read("mới đẻ con") == [["khai", "sinh", "cho", "con", "nho"]]
    assert index.read("bố cho con") == [["bo"], ["hop", "dong", "tang", "cho"]]
    assert "bo_hop" not in index.content_terms("bố cho con")


@pytest.mark.parametrize("question", [
    "bị chó cắn phải tiêm gì",  # folded, "chó cắn" are "cho cần"; "tiêm" is "tiệm"
    "mất điện thoại thì báo ai",  # "điện thoại" only in a procedure's submission text
])
def test_a_question_sharing_no_word_a_procedure_is_called_by_is_declined(question):
    assistant = default_assistant()
    hits = assistant.index.search(question)
    assert hits and not hits[0].compound
    assert assistant.answer(question)["declined"]


@pytest.mark.parametrize("question", ["khai sinh", "KET HON", "tách hộ", "sổ đỏ"])
def test_a_bare_procedure_word_is_a_shared_compound(question):
    assert default_assistant().index.search(question)[0].compound


@pytest.mark.parametrize("question", [
    "lãi suất gửi tiết kiệm", "rút bảo hiểm xã hội một lần", "chuyển trường cho con",
    "tiền điện tháng này", "đăng ký sim chính chủ", "giá lợn hôm nay",
])
def test_matters_of_banks_insurance_schools_power_telecoms_markets_find_nothing(question):
    assert default_assistant().index.search(question) == []
