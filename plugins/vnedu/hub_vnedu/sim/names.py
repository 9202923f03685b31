"""Every word the simulator writes where vnEdu shows a school's words: the one table to check.

Schools type subject, quality and competency names themselves, so one school writes "Toán",
another "Toan" or "Toán học", and a few keep the old names ("Thể dục" for Giáo dục thể chất,
"Văn" for Ngữ văn). Each simulated school keeps one spelling per subject, drawn from these
lists by the school's code (`spelling`), so a province shows all of them. The adapter's
mapping files must know every name here: a test reads this module to check them. Levels,
conclusions, titles, ratings and countries are the fixed words of the spec's learner item.
"""

from __future__ import annotations

import hashlib

from hub.api import Level, SchoolLevel

__all__ = [
    "BY_LABEL_LIST",
    "COMPETENCIES",
    "CONCLUSIONS",
    "COUNTRIES",
    "EVALUATIONS",
    "FOREIGN_ETHNICITY",
    "LEVELS",
    "PASS_FAIL",
    "PRIMARY_RATINGS",
    "PRIMARY_SUBJECTS",
    "PRINCIPAL_TITLES",
    "QUALITIES",
    "QUALITY_RATINGS",
    "SCHOOL_LEVELS",
    "SECONDARY_SUBJECTS",
    "SEX",
    "TITLES",
    "spelling",
    "writes_tenths",
]

SECONDARY_SUBJECTS: dict[str, tuple[str, ...]] = {
    "NV": ("Ngữ văn", "Ngữ Văn", "Văn", "Ngu van"),
    "TOAN": ("Toán", "Toán học", "Toan"),
    "NN1": ("Tiếng Anh", "Ngoại ngữ 1", "Anh văn", "Tieng Anh"),
    "GDCD": ("Giáo dục công dân", "GD công dân", "GDCD", "Giao duc cong dan"),
    "LSDL": ("Lịch sử và Địa lí", "Lịch sử & Địa lý", "LS&ĐL", "Lich su va Dia li"),
    "KHTN": ("Khoa học tự nhiên", "KH tự nhiên", "KHTN", "Khoa hoc tu nhien"),
    "CN": ("Công nghệ", "Cong nghe"),
    "TIN": ("Tin học", "Tin", "Tin hoc"),
    "LS": ("Lịch sử", "Sử", "Lich su"),
    "DL": ("Địa lí", "Địa lý", "Dia ly"),
    "VL": ("Vật lí", "Vật lý", "Vat ly"),
    "HH": ("Hóa học", "Hoá học", "Hoa hoc"),
    "SH": ("Sinh học", "Sinh", "Sinh hoc"),
    "GDKTPL": ("Giáo dục kinh tế và pháp luật", "GDKT&PL", "Giao duc kinh te va phap luat"),
    "GDQPAN": ("Giáo dục quốc phòng và an ninh", "GDQP-AN", "GDQP"),
    "NN2": ("Ngoại ngữ 2", "Ngoai ngu 2"),
    "TDT": ("Tiếng dân tộc thiểu số", "Tiếng dân tộc"),
    "GDTC": ("GD thể chất", "Giáo dục thể chất", "Thể dục", "GDTC", "The duc"),
    "AN": ("Âm nhạc", "Nghệ thuật - Âm nhạc", "Am nhac"),
    "MT": ("Mĩ thuật", "Mỹ thuật", "Nghệ thuật - Mĩ thuật", "My thuat"),
    "HDTN": ("Hoạt động trải nghiệm, hướng nghiệp", "HĐTN-HN", "Hoạt động trải nghiệm"),
    "GDDP": ("Nội dung giáo dục địa phương", "Giáo dục địa phương", "GDĐP", "GD dia phuong"),
}
"""Secondary subject (MaMon) → the names schools type for it; the first is codes.md's or the
spec's example."""

PRIMARY_SUBJECTS: dict[str, tuple[str, ...]] = {
    "TV": ("Tiếng Việt", "Tieng Viet"),
    "TOAN": ("Toán", "Toan"),
    "DD": ("Đạo đức", "Dao duc"),
    "NN1": ("Tiếng Anh", "Ngoại ngữ 1", "Ngoại ngữ"),
    "TNXH": ("Tự nhiên và Xã hội", "TN&XH", "Tu nhien va Xa hoi"),
    "LSDL": ("Lịch sử và Địa lí", "Sử - Địa", "Lich su va Dia li"),
    "KH": ("Khoa học", "Khoa hoc"),
    "THCN": ("Tin học và Công nghệ", "Tin học - Công nghệ", "TH&CN"),
    "GDTC": ("GD thể chất", "Giáo dục thể chất", "Thể dục"),
    "AN": ("Âm nhạc", "Nhạc", "Am nhac"),
    "MT": ("Mĩ thuật", "Mỹ thuật", "My thuat"),
    "HDTN": ("Hoạt động trải nghiệm", "HĐTN", "Hoat dong trai nghiem"),
    "TDT": ("Tiếng dân tộc thiểu số", "Tiếng dân tộc"),
}

QUALITIES: dict[str, tuple[str, ...]] = {
    "YN": ("Yêu nước", "Yeu nuoc"),
    "NA": ("Nhân ái", "Nhan ai"),
    "CC": ("Chăm chỉ", "Cham chi"),
    "TT": ("Trung thực", "Trung thuc"),
    "TN": ("Trách nhiệm", "Trach nhiem"),
}
"""Primary qualities (PhamChat @Ma) → names; the spec's example is "Yêu nước"."""

COMPETENCIES: dict[str, tuple[str, ...]] = {
    "TCTH": ("Tự chủ và tự học", "Tự chủ, tự học", "Tu chu va tu hoc"),
    "GTHT": ("Giao tiếp và hợp tác", "Giao tiếp, hợp tác", "Giao tiep va hop tac"),
    "GQVD": ("Giải quyết vấn đề và sáng tạo", "GQVĐ và sáng tạo", "Giai quyet van de"),
    "NN": ("Ngôn ngữ", "Ngon ngu"),
    "TTOAN": ("Tính toán", "Tinh toan"),
    "KH": ("Khoa học", "Khoa hoc"),
    "CN": ("Công nghệ", "Cong nghe"),
    "TH": ("Tin học", "Tin hoc"),
    "TM": ("Thẩm mĩ", "Thẩm mỹ", "Tham my"),
    "TC": ("Thể chất", "The chat"),
}
"""Primary competencies (NangLuc @Ma) → names; the spec's example is "Tự chủ và tự học"."""

LEVELS: dict[Level, str] = {Level.T: "Tốt", Level.K: "Khá", Level.D: "Đạt", Level.CD: "Chưa đạt"}
"""hoc_tap and ren_luyen levels."""

PASS_FAIL = {"D": "Đ", "CD": "CĐ"}
"""A comment subject's result (PassFail value → word)."""

CONCLUSIONS = {
    "LEN_LOP": "Được lên lớp",
    "O_LAI": "Ở lại lớp",
    "KIEM_TRA_LAI": "Kiểm tra lại",
    "REN_LUYEN_HE": "Rèn luyện trong hè",
}
"""ket_luan (Conclusion value → words)."""

TITLES = {"HSXS": "Học sinh Xuất sắc", "HSG": "Học sinh Giỏi"}
"""danh_hieu (Title value → words); null without a title."""

PRIMARY_RATINGS = {"T": "Hoàn thành tốt", "H": "Hoàn thành", "C": "Chưa hoàn thành"}
"""muc_dat of a primary subject (PrimaryRating value → words)."""

QUALITY_RATINGS = {"T": "Tốt", "D": "Đạt", "C": "Cần cố gắng"}
"""A primary quality's or competency's rating (QualityRating value → words)."""

EVALUATIONS = {
    "HTXS": "Hoàn thành xuất sắc",
    "HTT": "Hoàn thành tốt",
    "HT": "Hoàn thành",
    "CHT": "Chưa hoàn thành",
}
"""danh_gia_cuoi_nam (PrimaryEvaluation value → words)."""

SEX = {"1": "Nam", "2": "Nữ"}
"""gioi_tinh (Sex value → word)."""

PRINCIPAL_TITLES = ("Hiệu trưởng", "Phó Hiệu trưởng")
"""hieu_truong.chuc_vu, as the model's PrincipalTitle spells them."""

COUNTRIES = {
    "VN": "Việt Nam",
    "KR": "Hàn Quốc",
    "CN": "Trung Quốc",
    "JP": "Nhật Bản",
    "LA": "Lào",
    "KH": "Campuchia",
    "US": "Hoa Kỳ",
    "FR": "Pháp",
}
"""quoc_tich: ISO 3166-1 alpha-2 → the country's Vietnamese name (the generator's countries).
"Pháp" is not in the hub's own countries label list (mappings/labels/countries.yaml): the
adapter's mapping files must add it."""

FOREIGN_ETHNICITY = "Người nước ngoài"
"""dan_toc of a foreign learner (code 55)."""

SCHOOL_LEVELS = {level: level.value for level in SchoolLevel}
"""cap_hoc of GET /v2/schools: the document's CapHoc code."""


BY_LABEL_LIST: dict[str, dict[str, tuple[str, ...]]] = {
    "subjects-secondary": SECONDARY_SUBJECTS,
    "subjects-primary": PRIMARY_SUBJECTS,
    "qualities": QUALITIES,
    "competencies": COMPETENCIES,
    "levels": {level.value: (word,) for level, word in LEVELS.items()},
    "pass-fail": {code: (word,) for code, word in PASS_FAIL.items()},
    "conclusions": {code: (words,) for code, words in CONCLUSIONS.items()},
    "titles": {code: (words,) for code, words in TITLES.items()},
    "primary-ratings": {code: (words,) for code, words in PRIMARY_RATINGS.items()},
    "quality-ratings": {code: (words,) for code, words in QUALITY_RATINGS.items()},
    "primary-evaluations": {code: (words,) for code, words in EVALUATIONS.items()},
    "sex": {code: (word,) for code, word in SEX.items()},
    "countries": {code: (name,) for code, name in COUNTRIES.items()},
}
"""Everything above by the hub's label list that maps it (mappings/labels/<name>.yaml): list
name → code → every text the simulator may write for it. An adapter's test checks that its
mapping files resolve each text to its code. (dan_toc is codes.md's names, code 55's
FOREIGN_ETHNICITY included: the hub's "ethnic-groups" list holds them.)"""


def spelling(names: tuple[str, ...], school_code: str, code: str) -> str:
    """The name one school types for `code`: always the same for that school, varied across
    schools (a hash of both, not Python's salted `hash`, so runs agree)."""
    digest = hashlib.sha256(f"{school_code}:{code}".encode()).digest()
    return names[digest[0] % len(names)]


def writes_tenths(school_code: str) -> bool:
    """Whether a school writes whole scores with their tenths ("9,0" rather than "9"): about
    one school in three does, so an adapter meets both (numbers compare by value)."""
    return hashlib.sha256(f"{school_code}:score-style".encode()).digest()[0] % 3 == 0
