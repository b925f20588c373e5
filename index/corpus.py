"""A deterministic generator of Vietnamese-like news documents, for quality tests and benchmarks.

Real Vietnamese text cannot be shipped with the project, so tests and ``bench/search.py`` use text that
has its statistical shape: syllables built from Vietnamese onsets, rhymes and tones (so folding makes
"bàn", "bán" and "ban" collide as it does in real text); a lexicon of mostly two-syllable words;
Zipf-distributed word frequencies; sentences with clause punctuation; person names; official document
numbers ("1234/QĐ-UBND"); and, in about a third of the documents, the "new style" tone placement
("hoà", "thuỷ") that the analysis must normalize. Metadata (source, department, jurisdiction, category,
author, publication time) is drawn from small realistic sets so that filters and facets have work to do.

The same ``seed`` always yields the same documents (the standard library's ``random.Random``).
"""

from __future__ import annotations

import itertools
import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from index.vietnamese import normalize_tone

__all__ = ["CorpusDoc", "Generator", "generate", "new_style"]

ICT = timezone(timedelta(hours=7), "ICT")


def _split(words: str) -> list[str]:
    return words.split()


_ONSETS = [*_split("b c ch d đ g gi h kh l m n ng nh ph qu r s t th tr v x"), ""]
_OPEN_RHYMES = _split(
    "a ai ao au ay am an ang anh ăm ăn ăng âm ân âng âu ây e em en eo ê êm ên ênh êu i ia im in inh iu "
    "iêm iên iêng iêu o oa oai oay oan oang oanh oăn oe oi om on ong ô ôi ôm ôn ông ơ ơi ơm ơn u ua uân "
    "ui um un ung uôi uôn uông uy uyên ư ưa ưi ưng ươi ươm ươn ương ươu"
)
_STOP_RHYMES = _split(
    "ap at ac ach ăp ăt ăc âp ât âc ep et êt êch ip it ich iêp iêt iêc op ot oc oat oach ôp ôt ôc ơt "
    "up ut uc uât uôt uôc uyêt ưt ưc ươp ươt ươc"
)
_TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]  # ngang huyền sắc hỏi ngã nặng
_FRONT = ("i", "e", "ê", "y")
# Combinations that spell vulgar words are left out of the inventory.
_AVOID = frozenset({"lồn", "buồi", "cặc", "đụ", "đéo", "địt", "đĩ"})

FAMILY = _split("Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý")
MIDDLE = _split("Văn Thị Hữu Đức Minh Thanh Quốc Ngọc Doãn Xuân")
GIVEN = _split(
    "Anh Bình Cường Dũng Hà Hải Hạnh Hòa Hùng Hương Lan Long Mai Nam Phong Quân Sơn Thảo Thủy Trung "
    "Tuấn Vân Việt Yến Hợp Đồng Khoa Tâm Thúy Hoa Huy Khánh Linh Quang"
)
DEPARTMENTS = [
    ("stttt", "Sở Thông tin và Truyền thông"),
    ("skhcn", "Sở Khoa học và Công nghệ"),
    ("sgddt", "Sở Giáo dục và Đào tạo"),
    ("syt", "Sở Y tế"),
    ("stc", "Sở Tài chính"),
    ("snv", "Sở Nội vụ"),
    ("stp", "Sở Tư pháp"),
    ("sxd", "Sở Xây dựng"),
    ("sct", "Sở Công Thương"),
    ("stnmt", "Sở Tài nguyên và Môi trường"),
]
JURISDICTIONS = [
    ("lso", "Tỉnh Lạng Sơn"),
    ("hbh", "Tỉnh Hòa Bình"),
    ("hni", "Thành phố Hà Nội"),
    ("qni", "Tỉnh Quảng Ninh"),
    ("dnn", "Thành phố Đà Nẵng"),
    ("tth", "Tỉnh Thừa Thiên Huế"),
]
CATEGORIES = ["Tin tức", "Hoạt động", "Chuyển đổi số", "Văn bản", "Thông báo", "Sự kiện"]
CODES = ["QĐ-UBND", "KH-UBND", "CV-STTTT", "TB-VP", "NĐ-CP", "TT-BTTTT", "QĐ-TTg"]


def new_style(syllable: str) -> str:
    """The "new style" spelling of an old-style syllable: in open "oa", "oe", "uy" the tone goes last.

    ``new_style("hòa") == "hoà"``, ``new_style("thủy") == "thuỷ"``; other syllables are returned as is.
    """
    decomposed = unicodedata.normalize("NFD", syllable)
    tones = [c for c in decomposed if c in _TONES[1:]]
    bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES[1:]))
    for pair in ("oa", "oe", "uy"):
        if len(tones) == 1 and bare.lower().endswith(pair) and not bare.lower().startswith("qu"):
            return unicodedata.normalize("NFC", bare + tones[0])
    return syllable


def _syllables(rng: random.Random) -> list[str]:
    """Every spellable onset + rhyme + tone, tone placed canonically, in a shuffled order."""
    out: set[str] = set()
    for onset, rhyme in itertools.product(_ONSETS, _OPEN_RHYMES + _STOP_RHYMES):
        if onset in ("gi", "qu") and rhyme[0] in ("i", "u", "ư", "y"):
            continue
        if rhyme.startswith(_FRONT):  # spelling: k, gh, ngh before front vowels
            onset = {"c": "k", "g": "gh", "ng": "ngh"}.get(onset, onset)
        tones = _TONES[2::4] if rhyme in _STOP_RHYMES else _TONES  # sắc, nặng only on stops
        for tone in tones:
            raw = unicodedata.normalize("NFC", onset + rhyme[0] + tone + rhyme[1:])
            out.add(normalize_tone(raw))
    result = sorted(out - _AVOID)
    rng.shuffle(result)
    return result


def _zipf_weights(n: int, s: float = 1.0) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank**s) for rank in range(1, n + 1)))


@dataclass(frozen=True)
class CorpusDoc:
    """One generated article; ``phrases`` are distinctive word runs from its body (for known-item tests)."""

    id: str
    title: str
    lead: str
    body: list[str]
    published: datetime
    source: str
    department: str
    jurisdiction: str
    category: str
    author: str
    doc_numbers: list[str] = field(default_factory=list)


class Generator:
    """Draws documents from one seeded lexicon; see :func:`generate`."""

    def __init__(self, seed: int = 0, *, lexicon_size: int = 30_000, syllables: int = 4_000) -> None:
        self.rng = random.Random(seed)
        inventory = _syllables(self.rng)[:syllables]
        syl_weights = _zipf_weights(len(inventory), 0.9)
        lengths = self.rng.choices([1, 2, 3], weights=[25, 68, 7], k=lexicon_size)
        words = {" ".join(self.rng.choices(inventory, cum_weights=syl_weights, k=k)) for k in lengths}
        self.lexicon = sorted(words)
        self.rng.shuffle(self.lexicon)
        self.word_weights = _zipf_weights(len(self.lexicon), 1.0)
        # Titles use the less common half of the vocabulary more, as headlines do.
        self.title_weights = _zipf_weights(len(self.lexicon), 0.6)

    def _words(self, k: int, weights: list[float]) -> list[str]:
        return self.rng.choices(self.lexicon, cum_weights=weights, k=k)

    def name(self) -> str:
        rng = self.rng
        return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"

    def sentence(self, words: int) -> str:
        rng = self.rng
        parts = self._words(words, self.word_weights)
        if rng.random() < 0.15:
            parts.insert(rng.randrange(len(parts)), self.name())
        if rng.random() < 0.05:
            number = f"{rng.randint(1, 9999)}/{rng.choice(CODES)}"
            parts.insert(rng.randrange(len(parts)), number)
        for i in range(4, len(parts) - 2, rng.randint(5, 9)):
            parts[i] += ","
        text = " ".join(parts)
        return text[0].upper() + text[1:] + "."

    def paragraph(self, syllables: int) -> str:
        out: list[str] = []
        total = 0
        while total < syllables:
            s = self.sentence(self.rng.randint(8, 18))
            out.append(s)
            total += s.count(" ") + 1
        return " ".join(out)

    def doc(self, n: int, *, body_syllables: int = 600) -> CorpusDoc:
        rng = self.rng
        title = " ".join(self._words(rng.randint(5, 9), self.title_weights))
        title = title[0].upper() + title[1:]
        target = max(20, int(rng.gauss(body_syllables, body_syllables / 4)))
        paragraphs = [self.paragraph(rng.randint(60, 120)) for _ in range(max(1, target // 90))]
        numbers = sorted({w.rstrip(",.") for p in paragraphs for w in p.split() if "/" in w})
        if rng.random() < 0.33:
            paragraphs = [" ".join(new_style(w) for w in p.split(" ")) for p in paragraphs]
        dept_code, department = rng.choice(DEPARTMENTS)
        juris_code, jurisdiction = rng.choice(JURISDICTIONS)
        start = datetime(2008, 1, 1, tzinfo=ICT)
        published = start + timedelta(seconds=rng.randrange(18 * 365 * 86400))
        return CorpusDoc(
            id=f"{n:016x}",
            title=title,
            lead=self.paragraph(rng.randint(20, 40)),
            body=paragraphs,
            published=published,
            source=f"{juris_code}-{dept_code}",
            department=department,
            jurisdiction=jurisdiction,
            category=rng.choice(CATEGORIES),
            author=self.name(),
            doc_numbers=numbers,
        )


def generate(n: int, *, seed: int = 0, body_syllables: int = 600) -> Iterator[CorpusDoc]:
    """``n`` documents with ids ``0000000000000000``, ``0000000000000001``, …, deterministic per seed."""
    gen = Generator(seed)
    for i in range(n):
        yield gen.doc(i, body_syllables=body_syllables)
