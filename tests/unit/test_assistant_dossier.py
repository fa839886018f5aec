"""The dossier checker and the knowledge base loader: pure."""
import pytest

from services.assistant.domain import default_assistant
from services.assistant.knowledge import KnowledgeError, load
from services.common.errors import InvalidArgument, NotFound


def check(code, papers):
    return default_assistant().check_dossier(code, papers)


def test_a_complete_birth_dossier():
    result = check("HT-01", [{"document": "to_khai_khai_sinh"},
                             {"document": "giay_chung_sinh"},
                             {"document": "giay_to_tuy_than"}])
    assert result["complete"] and result["missing"] == [] and result["needs_original"] == []
    assert {d["id"] for d in result["optional_not_given"]} == {"giay_chung_nhan_ket_hon",
                                                               "van_ban_uy_quyen"}


def test_missing_papers_and_copies_where_an_original_is_needed():
    result = check("HT-01", [{"document": "Giấy chứng sinh", "form": "photocopy"},
                             {"document": "căn cước", "form": "original"},
                             {"document": "giấy phép lái xe"}])
    assert not result["complete"]
    assert [d["id"] for d in result["missing"]] == ["to_khai_khai_sinh"]
    assert [(d["id"], d["problem"]) for d in result["needs_original"]] == [
        ("giay_chung_sinh", "cần nộp bản chính")]
    assert result["unrecognised"] == ["giấy phép lái xe"]


BIRTH = [{"document": "to_khai_khai_sinh"}, {"document": "giay_chung_sinh"}]


def test_a_motorbike_registration_is_not_an_identity_paper():
    result = check("HT-01", BIRTH + [{"document": "Giấy đăng ký xe máy"}])
    assert not result["complete"]
    assert [d["id"] for d in result["missing"]] == ["giay_to_tuy_than"]
    [rejected] = result["not_accepted"]
    assert (rejected["paper"], rejected["kind"]) == ("Giấy đăng ký xe máy", "dang_ky_xe")
    assert "không phải giấy tờ tùy thân" in rejected["problem"]
    assert result["unrecognised"] == []


def test_a_paper_sharing_words_with_a_required_one_does_not_count_for_it():
    # "Giấy chứng nhận đăng ký xe" shares most of its words with "Giấy chứng nhận kết hôn"
    result = check("HT-01", BIRTH + [{"document": "giay_to_tuy_than"},
                                     {"document": "Giấy chứng nhận đăng ký xe mô tô"}])
    assert "giay_chung_nhan_ket_hon" in {d["id"] for d in result["optional_not_given"]}
    [rejected] = result["not_accepted"]
    assert rejected["document_id"] == "giay_chung_nhan_ket_hon"
    assert "không dùng thay cho «Giấy chứng nhận kết hôn" in rejected["problem"]


@pytest.mark.parametrize("identity", ["CCCD", "căn cước công dân", "hộ chiếu", "the_can_cuoc",
                                      "căn cước điện tử", "giay_to_tuy_than"])
def test_an_identity_paper_of_an_accepted_kind_counts(identity):
    result = check("HT-01", BIRTH + [{"document": identity}])
    assert result["complete"] and result["not_accepted"] == [] and result["unrecognised"] == []


def test_a_paper_no_longer_valid_is_explained():
    result = check("HT-03", [{"document": "CMND"}])
    [rejected] = result["not_accepted"]
    assert "giay_to_tuy_than" in {d["id"] for d in result["missing"]}
    assert "hết giá trị sử dụng từ 01/01/2025" in rejected["problem"]


def test_a_document_of_a_procedure_may_accept_more_kinds_than_its_id_does():
    # the disability allowance takes a birth certificate in place of an identity paper
    disabled = check("XH-03", [{"document": "giấy khai sinh"}])
    assert "giay_to_tuy_than" not in {d["id"] for d in disabled["missing"]}
    marriage = check("HT-02", [{"document": "giấy khai sinh"}])
    assert "giay_to_tuy_than" in {d["id"] for d in marriage["missing"]}
    assert [r["kind"] for r in marriage["not_accepted"]] == ["giay_khai_sinh"]


def test_a_plain_photocopy_of_a_paper_required_as_copy_is_flagged():
    result = check("CTR-02", [{"document": "to_khai_cu_tru"},
                              {"document": "giay_to_cho_o_hop_phap", "form": "photocopy"}])
    assert [d["id"] for d in result["needs_original"]] == ["giay_to_cho_o_hop_phap"]
    ok = check("CTR-02", [{"document": "to_khai_cu_tru"},
                          {"document": "giay_to_cho_o_hop_phap", "form": "certified_copy"}])
    assert ok["complete"]


def test_unknown_procedure_and_bad_papers_are_clear_errors():
    with pytest.raises(NotFound, match="XX-99"):
        check("XX-99", [])
    with pytest.raises(InvalidArgument, match="form"):
        check("HT-01", [{"document": "giay_chung_sinh", "form": "scan"}])
    with pytest.raises(InvalidArgument):
        check("HT-01", "giay_chung_sinh")


def test_the_shipped_knowledge_base_has_forty_procedures_across_the_fields():
    kb = default_assistant().kb
    assert len(kb.procedures) >= 40
    assert {p.field for p in kb.procedures} >= {"Hộ tịch", "Chứng thực", "Bảo trợ xã hội",
                                                "Đất đai", "Kinh doanh", "Cư trú"}


def test_a_bad_entry_is_named_by_file_and_entry(tmp_path):
    (tmp_path / "x.yaml").write_text(
        "- code: HT-01\n  name: Đăng ký khai sinh\n  field: Hộ tịch\n  level: Cấp xã\n"
        "  documents: []\n  processing_time: ngay\n  fee: miễn\n"
        "  fee_varies_by_province: false\n  where: UBND xã\n  how: [fax]\n"
        "  online_level: full\n  legal_basis: [Luật Hộ tịch 2014]\n", "utf-8")
    with pytest.raises(KnowledgeError, match=r"x\.yaml, entry 1 \(HT-01\): documents.*how\.0"):
        load(tmp_path)


def test_a_code_used_twice_is_refused(tmp_path):
    entry = ("- code: CT-01\n  name: Chứng thực bản sao\n  field: Chứng thực\n"
             "  level: Cấp xã\n  documents: [{id: a, name: Bản chính, form: present}]\n"
             "  processing_time: ngay\n  fee: 2.000 đồng\n  fee_varies_by_province: false\n"
             "  where: UBND xã\n  how: [in_person]\n  online_level: partial\n"
             "  legal_basis: [Nghị định 23/2015/NĐ-CP]\n")
    (tmp_path / "a.yaml").write_text(entry, "utf-8")
    (tmp_path / "b.yaml").write_text(entry, "utf-8")
    with pytest.raises(KnowledgeError, match=r"b\.yaml, entry 1: code CT-01 already used in "
                                             r"a\.yaml"):
        load(tmp_path)


def test_an_unknown_paper_kind_in_the_data_is_named(tmp_path):
    (tmp_path / "papers.yaml").write_text(
        "kinds: [{id: ho_chieu, name: Hộ chiếu}]\naccepts: {giay_to_tuy_than: [cccd]}\n",
        "utf-8")
    with pytest.raises(KnowledgeError, match=r"papers\.yaml, accepts giay_to_tuy_than: "
                                             r"unknown paper kinds cccd"):
        load(papers=tmp_path / "papers.yaml")
