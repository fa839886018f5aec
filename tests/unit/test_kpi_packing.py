"""A packed document reads back as it was written, and data stored before packing reads."""
import json

from services.kpi import packing


def test_a_board_reads_back_as_written_and_is_stored_smaller():
    board = {f"binh-lu-{i:06d}": {"id": f"binh-lu-{i:06d}", "status": "todo",
                                  "title": "Số hóa hồ sơ", "updated_months": ["2026-11"]}
             for i in range(500)}
    stored = packing.pack(board)
    assert packing.unpack(stored) == board
    assert len(stored) * 5 < len(json.dumps(board))


def test_keys_that_are_not_text_become_text_as_in_json():
    assert packing.unpack(packing.pack({1: "a"})) == {"1": "a"}


def test_a_json_string_stored_before_packing_still_reads():
    assert packing.unpack(json.dumps({"a": [1, "Bình Lư"]})) == {"a": [1, "Bình Lư"]}
