"""The learner items and schools the simulator lists have the spec's exact shapes
(sources.md, vnEdu v2), and every word it types is one the hub's label lists know."""

from __future__ import annotations

import json
import re
import unicodedata
from decimal import Decimal
from typing import Any

import pytest
from hub_vnedu.sim import names
from hub_vnedu.sim.items import score_text

from hub.api import load_mappings

from .helpers import Api

# The spec's learner item, verbatim (secondary).
SPEC_ITEM = json.loads("""
  {"vnedu_id": "VN56000001-000123", "ma_hs_bo": "5600000100123", "ho_ten": "Nguyễn Văn An",
   "ngay_sinh": "14/03/2011", "gioi_tinh": "Nam", "dan_toc": "Kinh", "quoc_tich": "Việt Nam",
   "so_dinh_danh": "056211234567", "giay_to_nuoc_ngoai": null, "noi_sinh": "Nha Trang, Khánh Hòa",
   "que_quan": null, "noi_o": "Phường Lộc Thọ, Nha Trang", "cha": "Nguyễn Văn Bình",
   "me": "Trần Thị Cúc", "nguoi_giam_ho": null, "doi_tuong_chinh_sach": null,
   "khuyet_tat_khong_danh_gia": false, "lop": "8A1", "khoi": 8,
   "updated_at": "2025-05-28T08:00:00+07:00",
   "ket_qua": {
     "Toán": {"hk1": {"tx": ["9", "9", "10", "8,5"], "gk": "8,5", "ck": "9", "tb": "8,9"},
              "hk2": {"tx": ["9", "9,5", "10", "9"], "gk": "9", "ck": "9,5", "tb": "9,3"},
              "ca_nam": "9,2", "kiem_tra_lai": null, "giao_vien": "Trần Thị Bình",
              "nhan_xet": "Chăm chỉ."},
     "GD thể chất": {"hk1": "Đ", "hk2": "Đ", "ca_nam": "Đ", "kiem_tra_lai": null,
                     "giao_vien": "Lý Văn Cường", "nhan_xet": "Tích cực."}},
   "hoc_tap": {"hk1": "Tốt", "hk2": "Tốt", "ca_nam": "Tốt", "sau_kiem_tra_lai": null},
   "ren_luyen": {"hk1": "Tốt", "hk2": "Tốt", "ca_nam": "Tốt", "sau_ren_luyen_he": null},
   "so_buoi_nghi": 3, "ket_luan": "Được lên lớp", "danh_hieu": "Học sinh Giỏi",
   "nhan_xet_gvcn": "Ngoan.", "gvcn": "Lê Thị Mai",
   "hieu_truong": {"ho_ten": "Phạm Văn Hùng", "chuc_vu": "Hiệu trưởng"}}
""")
SECONDARY_RESULTS = ["ket_qua", "hoc_tap", "ren_luyen", "so_buoi_nghi", "ket_luan", "danh_hieu"]
IDENTITY = [k for k in SPEC_ITEM if k not in [*SECONDARY_RESULTS, "nhan_xet_gvcn", "gvcn",
                                               "hieu_truong"]]  # fmt: skip
PRIMARY_KEYS = [*IDENTITY, "ket_qua", "pham_chat", "nang_luc", "danh_gia_cuoi_nam",
                "hoan_thanh_chuong_trinh_lop", "khen_thuong", "nhan_xet_gvcn", "gvcn",
                "hieu_truong"]  # fmt: skip
SCORE = re.compile(r"^(10|\d)(,\d)?$")
DATE = re.compile(r"^\d{2}/\d{2}/\d{4}$")


@pytest.fixture(scope="module")
def province(sim: Any) -> dict[str, Any]:
    api = Api(sim.base_url)
    api.login()
    schools = api.get("/v2/schools").json()["items"]
    items = {s["ma_truong"]: api.all_items(s["ma_truong"])[0] for s in schools}
    api.close()
    return {"schools": schools, "items": items}


def _all(province: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for items in province["items"].values() for item in items]


def test_schools_are_listed_with_the_spec_keys(province: dict[str, Any]) -> None:
    schools = province["schools"]
    assert [list(s) for s in schools] == [["ma_truong", "ten_truong", "cap_hoc"]] * 3
    assert sorted(s["cap_hoc"] for s in schools) == ["02", "03", "04"]
    assert all(re.fullmatch(r"\d{8}", s["ma_truong"]) for s in schools)


def test_secondary_items_have_exactly_the_spec_keys_in_order(province: dict[str, Any]) -> None:
    secondary = [i for i in _all(province) if "hoc_tap" in i]
    assert secondary
    for item in secondary:
        assert list(item) == list(SPEC_ITEM)
        assert re.fullmatch(r"VN\d{8}-\d{6}", item["vnedu_id"])
        assert DATE.match(item["ngay_sinh"])
        assert item["gioi_tinh"] in ("Nam", "Nữ")
        assert isinstance(item["khoi"], int)
        assert list(item["hieu_truong"]) == ["ho_ten", "chuc_vu"]


def test_scored_and_comment_subjects_have_the_spec_shapes(province: dict[str, Any]) -> None:
    scored_keys = list(SPEC_ITEM["ket_qua"]["Toán"])
    comment_keys = list(SPEC_ITEM["ket_qua"]["GD thể chất"])
    seen = {"scored": 0, "comment": 0}
    for item in _all(province):
        if "hoc_tap" not in item or item["khuyet_tat_khong_danh_gia"]:
            continue
        assert list(item["hoc_tap"]) == list(SPEC_ITEM["hoc_tap"])
        assert list(item["ren_luyen"]) == list(SPEC_ITEM["ren_luyen"])
        for subject in item["ket_qua"].values():
            if isinstance(subject["hk1"], dict):
                seen["scored"] += 1
                assert list(subject) == scored_keys
                for semester in (subject["hk1"], subject["hk2"]):
                    assert list(semester) == ["tx", "gk", "ck", "tb"]
                    scores = [*semester["tx"], semester["gk"], semester["ck"], semester["tb"]]
                    assert all(SCORE.match(s) for s in scores), scores
                assert SCORE.match(subject["ca_nam"])
            else:
                seen["comment"] += 1
                assert list(subject) == comment_keys
                assert {subject["hk1"], subject["hk2"], subject["ca_nam"]} <= {"Đ", "CĐ"}
    assert seen["scored"]
    assert seen["comment"]


def test_one_school_writes_whole_scores_with_tenths(province: dict[str, Any]) -> None:
    def averages(code: str) -> set[str]:
        return {
            subject["ca_nam"]
            for item in province["items"][code]
            for subject in item["ket_qua"].values()
            if "hoc_tap" in item and isinstance(subject["hk1"], dict)
        }

    secondary = [s["ma_truong"] for s in province["schools"] if s["cap_hoc"] != "02"]
    styles = {code: any(a.endswith(",0") for a in averages(code)) for code in secondary}
    assert sorted(styles.values()) == [False, True]
    for code, tenths in styles.items():
        assert tenths == names.writes_tenths(code)
        if tenths:
            assert all("," in a for a in averages(code))


def test_primary_items_have_the_spec_shape(province: dict[str, Any]) -> None:
    primary = [i for i in _all(province) if "pham_chat" in i]
    assert primary
    for item in primary:
        assert list(item) == PRIMARY_KEYS
        if item["khuyet_tat_khong_danh_gia"]:
            continue
        assert len(item["pham_chat"]) == 5
        assert len(item["nang_luc"]) == 10
        assert item["danh_gia_cuoi_nam"] in names.EVALUATIONS.values()
        assert isinstance(item["hoan_thanh_chuong_trinh_lop"], bool)
        for subject in item["ket_qua"].values():
            assert list(subject) == ["muc_dat", "diem_kt_cuoi_nam", "giao_vien", "nhan_xet"]
            assert subject["muc_dat"] in names.PRIMARY_RATINGS.values()
            test = subject["diem_kt_cuoi_nam"]
            assert test is None or SCORE.match(test)


def test_foreign_learners_carry_their_document_and_vietnamese_learners_none(
    province: dict[str, Any],
) -> None:
    items = _all(province)
    foreign = [i for i in items if i["giay_to_nuoc_ngoai"] is not None]
    assert foreign, "the test province should hold a foreign learner"
    for item in foreign:
        document = item["giay_to_nuoc_ngoai"]
        assert list(document) == ["loai", "so", "quoc_gia_cap"]
        assert document["loai"] in ("PASSPORT", "RESIDENCE_CARD", "OTHER")
        assert re.fullmatch(r"[A-Z]{2}", document["quoc_gia_cap"])
        assert item["dan_toc"] == "Người nước ngoài"
        assert item["quoc_tich"] in names.COUNTRIES.values()
        assert item["quoc_tich"] != "Việt Nam"
        assert item["so_dinh_danh"] is None
    for item in items:
        if item["giay_to_nuoc_ngoai"] is None:
            assert re.fullmatch(r"\d{12}", item["so_dinh_danh"])
            assert item["quoc_tich"] == "Việt Nam"


def test_exempt_learners_have_no_results(province: dict[str, Any]) -> None:
    exempt = [i for i in _all(province) if i["khuyet_tat_khong_danh_gia"]]
    assert exempt, "the test province should hold an assessment-exempt learner"
    for item in exempt:
        assert item["ket_qua"] == {}


def test_subject_names_come_from_the_names_table_with_variety(province: dict[str, Any]) -> None:
    known = {n for table in (names.SECONDARY_SUBJECTS, names.PRIMARY_SUBJECTS)
             for variants in table.values() for n in variants}  # fmt: skip
    used = {n for i in _all(province) for n in i["ket_qua"]}
    assert used <= known
    # Schools spell alike subjects differently: some names without diacritics, some old.
    assert any(n.isascii() and " " in n for n in used)
    assert len(used) > len({n for n in used if n in _first_names()})


def _first_names() -> set[str]:
    return {v[0] for t in (names.SECONDARY_SUBJECTS, names.PRIMARY_SUBJECTS) for v in t.values()}


@pytest.mark.parametrize("label_list", sorted(names.BY_LABEL_LIST))
def test_every_text_resolves_to_its_code_in_the_hubs_label_lists(label_list: str) -> None:
    labels = load_mappings(compile_records=False).labels[label_list]
    table = names.BY_LABEL_LIST[label_list]
    wrong = {
        text: labels.resolve(text)
        for code, texts in table.items()
        for text in texts
        if labels.resolve(text) != code
    }
    # "Pháp" (FR) is a country the generator draws that the hub's own list lacks: the
    # adapter's mapping files add it.
    assert wrong == ({"Pháp": None} if label_list == "countries" else {})


def test_every_text_the_simulator_writes_is_nfc(province: dict[str, Any]) -> None:
    def strings(value: Any) -> list[str]:
        if isinstance(value, str):
            return [value]
        if isinstance(value, dict):
            return [s for k, v in value.items() for s in [k, *strings(v)]]
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        return []

    texts = [s for item in _all(province) for s in strings(item)]
    texts += [t for table in names.BY_LABEL_LIST.values() for ts in table.values() for t in ts]
    assert [t for t in texts if unicodedata.normalize("NFC", t) != t] == []


def test_the_country_table_names_every_country_the_generator_draws() -> None:
    from hub.gen.names import FOREIGN

    assert {code: names.COUNTRIES.get(code) for code in FOREIGN} == {
        code: country for code, (country, _, _) in FOREIGN.items()
    }


@pytest.mark.parametrize(
    ("value", "text", "with_tenths"),
    [("9", "9", "9,0"), ("9.0", "9", "9,0"), ("8.5", "8,5", "8,5"), ("10", "10", "10,0"),
     ("0.5", "0,5", "0,5"), ("0", "0", "0,0")],
)  # fmt: skip
def test_scores_are_written_with_a_decimal_comma(value: str, text: str, with_tenths: str) -> None:
    assert score_text(Decimal(value)) == text
    assert score_text(Decimal(value), tenths=True) == with_tenths


def test_some_schools_write_whole_scores_with_tenths() -> None:
    styles = {names.writes_tenths(f"563{n:05d}") for n in range(1, 12)}
    assert styles == {True, False}
