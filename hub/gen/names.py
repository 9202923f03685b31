"""Vietnamese (and a few foreign) personal names for the synthetic province.

Family names carry rough real frequencies (Nguyễn is about four in ten people), so that a
generated class looks like a real one and name-matching code meets the same collisions it will
meet in production (many "Nguyễn Thị ... Anh"). Middle and given names depend on sex. A few
ethnic groups get their own family names, and foreign learners get names of their country, so
that code that assumes "family middle given" is exercised with other shapes too.

Every literal is normalised to NFC when the module loads: the document contract is NFC, and a
decomposed literal typed on some keyboard would otherwise slip through.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from itertools import accumulate

from hub.model import Sex


def _nfc(words: str) -> tuple[str, ...]:
    return tuple(unicodedata.normalize("NFC", w.strip()) for w in words.split(",") if w.strip())


def _weighted(pairs: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Parse "Nguyễn 38, Trần 11, ..." into names and cumulative weights."""
    names: list[str] = []
    weights: list[float] = []
    for item in _nfc(pairs):
        name, weight = item.rsplit(" ", 1)
        names.append(name)
        weights.append(float(weight))
    return tuple(names), tuple(accumulate(weights))


FAMILY, _FAMILY_CUM = _weighted(
    "Nguyễn 38, Trần 11, Lê 9.5, Phạm 7, Hoàng 3, Huỳnh 2, Phan 4.5, Vũ 2.5, Võ 2, Đặng 2.1,"
    " Bùi 2, Đỗ 1.4, Hồ 1.3, Ngô 1.3, Dương 1, Lý 0.5, Đinh 0.8, Trịnh 0.6, Lâm 0.5, Mai 0.5,"
    " Đào 0.5, Cao 0.4, Lương 0.4, Tạ 0.3, Hà 0.4, Tô 0.2, Chu 0.2, Lưu 0.2, Kiều 0.1, Quách 0.1"
)

MIDDLE = {
    Sex.MALE: _nfc(
        "Văn, Đức, Minh, Quang, Hữu, Thành, Tuấn, Hoàng, Gia, Anh, Công, Xuân, Duy, Bảo, Đình,"
        " Trọng, Thanh, Ngọc, Nhật, Khánh, Quốc, Tiến, Mạnh, Hải"
    ),
    Sex.FEMALE: _nfc(
        "Thị, Ngọc, Thu, Thanh, Minh, Bảo, Phương, Hải, Khánh, Mai, Thùy, Hồng, Diệu, Ánh, Kim,"
        " Như, Quỳnh, Gia, Tường, Hà, Bích, Thảo"
    ),
}

GIVEN = {
    Sex.MALE: _nfc(
        "Anh, Bảo, Bình, Cường, Dũng, Duy, Đạt, Đức, Hải, Hiếu, Hoàng, Hùng, Huy, Khang, Khoa,"
        " Khôi, Kiên, Long, Lâm, Lộc, Minh, Nam, Nghĩa, Nhân, Phát, Phong, Phúc, Quân, Quang,"
        " Sơn, Tài, Thắng, Thành, Thịnh, Toàn, Trí, Trung, Tuấn, Tùng, Việt, Vinh, Vũ, Khải, Hưng"
    ),
    Sex.FEMALE: _nfc(
        "An, Anh, Ánh, Chi, Diệp, Dung, Duyên, Giang, Hà, Hân, Hạnh, Hằng, Hiền, Hoa, Huyền,"
        " Hương, Lan, Linh, Loan, Ly, Mai, My, Nga, Ngân, Ngọc, Nhi, Nhung, Oanh, Phương, Quyên,"
        " Quỳnh, Tâm, Thảo, Thư, Trang, Trâm, Uyên, Vân, Vy, Yến, Thủy, Trinh"
    ),
}

# Family names of a few ethnic groups (DanToc code → names); other groups use the list above.
ETHNIC_FAMILY = {
    "02": _nfc("Hoàng, Nông, Lục, Bế, Lăng, Ma"),  # Tày
    "03": _nfc("Lò, Cầm, Quàng, Lường, Vi, Hà"),  # Thái
    "05": _nfc("Thạch, Danh, Sơn, Kim, Lâm"),  # Khơ-me
    "06": _nfc("Bùi, Đinh, Quách, Hà"),  # Mường
    "07": _nfc("Nông, Lương, Hoàng, Vi"),  # Nùng
    "08": _nfc("Giàng, Sùng, Vàng, Thào, Lầu, Mùa, Hờ"),  # Hmông
    "09": _nfc("Triệu, Bàn, Đặng, Lý"),  # Dao
    "12": _nfc("Niê, Mlô, Êban, Ksor, Byă"),  # Ê-đê
    "17": _nfc("Đạo, Thuận, Lưu, Quảng"),  # Chăm
}

# Foreign learners: ISO 3166-1 alpha-2 → (country name in Vietnamese, family names, given names).
FOREIGN = {
    "KR": (
        "Hàn Quốc",
        _nfc("Kim, Lee, Park, Choi, Jung"),
        _nfc("Min Jun, Seo Yeon, Ji Woo, Ha Eun"),
    ),
    "CN": ("Trung Quốc", _nfc("Wang, Li, Zhang, Liu, Chen"), _nfc("Hao, Na, Wei, Xin Yi, Jun")),
    "JP": ("Nhật Bản", _nfc("Sato, Suzuki, Takahashi, Tanaka"), _nfc("Yuki, Haruto, Sakura, Ren")),
    "LA": ("Lào", _nfc("Phommachanh, Sisouk, Vongsa"), _nfc("Bounmy, Keo, Souk, Manivone")),
    "KH": ("Campuchia", _nfc("Sok, Chan, Heng, Srey"), _nfc("Dara, Sophea, Vanna, Pisey")),
    "US": (
        "Hoa Kỳ",
        _nfc("Smith, Johnson, Brown, O'Neil"),
        _nfc("John, Emily, Michael, Anna-Marie"),
    ),
    "FR": ("Pháp", _nfc("Martin, Bernard, Dubois, Moreau"), _nfc("Louis, Camille, Léa, Hugo")),
}


def family_name(rng: random.Random, ethnicity: str = "01") -> str:
    """A family name, weighted by frequency; an ethnic group's own names when it has them."""
    own = ETHNIC_FAMILY.get(ethnicity)
    if own is not None and rng.random() < 0.85:
        return rng.choice(own)
    return rng.choices(FAMILY, cum_weights=_FAMILY_CUM)[0]


def full_name(
    rng: random.Random, sex: Sex, family: str | None = None, ethnicity: str = "01"
) -> str:
    """Family + one or two middle names + given name, e.g. "Nguyễn Ngọc Bảo Anh"."""
    family = family or family_name(rng, ethnicity)
    middles: Sequence[str] = MIDDLE[sex]
    parts = [family, rng.choice(middles)]
    if rng.random() < 0.15:
        parts.append(rng.choice(middles))
        if parts[1] == parts[2]:
            parts.pop()
    parts.append(rng.choice(GIVEN[sex]))
    return " ".join(parts)


def foreign_name(rng: random.Random, country: str, family: str | None = None) -> str:
    """A name of the learner's country, written family first as the school register does."""
    _, families, givens = FOREIGN[country]
    return f"{family or rng.choice(families)} {rng.choice(givens)}"
