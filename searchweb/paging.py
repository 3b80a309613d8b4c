"""Which page numbers the results page links: the first, the last, and a window around
the current page, with gaps between (1 … 4 5 [6] 7 8 … 40), as portal search pages do."""

from __future__ import annotations

WINDOW = 2  # pages linked on each side of the current one


def page_numbers(current: int, pages: int, deepest: int) -> list[int | None]:
    """The page numbers to link, in order, None where pages are left out; ``deepest``:
    the last page a request may ask for (setting max_page)."""
    last = min(pages, deepest)
    if last <= 1:
        return []
    shown = {1, last, *range(max(1, current - WINDOW), min(last, current + WINDOW) + 1)}
    numbers: list[int | None] = []
    for number in sorted(shown):
        if numbers and number - (numbers[-1] or 0) > 1:
            # One page between is linked rather than hidden behind a gap.
            numbers.append(number - 1 if number - (numbers[-1] or 0) == 2 else None)
        numbers.append(number)
    return numbers
