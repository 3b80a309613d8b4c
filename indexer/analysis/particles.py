"""Trailing Korean particles: a typed word without them (어르신들의 -> 어르신, 이명박이 ->
이명박), for looking words up as the documents hold them."""

from __future__ import annotations

from typing import Iterator

# Trailing particles and the plural 들, longest first, tried when a word is not an entry.
PARTICLES = sorted(
    (
        "에서",
        "으로",
        "에게",
        "까지",
        "부터",
        "이나",
        "들이",
        "들은",
        "들의",
        "들을",
        "들에게",
        "이",
        "가",
        "을",
        "를",
        "은",
        "는",
        "의",
        "에",
        "도",
        "로",
        "와",
        "과",
        "들",
    ),
    key=len,
    reverse=True,
)


def particle_stems(word: str) -> Iterator[str]:
    """``word`` without each trailing particle it ends with, longest particle first."""
    for particle in PARTICLES:
        if word.endswith(particle) and len(word) > len(particle):
            yield word[: -len(particle)]
