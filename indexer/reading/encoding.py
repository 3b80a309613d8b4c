"""Bytes of a text file -> str: the encodings Korean public documents come in."""

from __future__ import annotations


class DecodeError(ValueError):
    pass


def decode_bytes(data: bytes) -> tuple[str, str, int]:
    """Returns (text, encoding, replaced_bytes); raises DecodeError rather than guess wrong."""
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding, 0
            except UnicodeDecodeError as exc:
                raise DecodeError(
                    f"starts with a {encoding} byte order mark but is not valid "
                    f"{encoding}: {exc.reason}"
                ) from None
    if b"\x00" in data[:8192]:
        raise DecodeError("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8", 0
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp949")  # a superset of EUC-KR
        if _mostly_hangul(text):
            return text, "cp949", 0
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd")
    if replaced <= max(3, len(text) // 100):
        return text, "utf-8", replaced
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
    except Exception:  # pragma: no cover - defensive: the detector must not crash a build
        best = None
    if best is not None and best.encoding and not best.chaos > 0.2:
        return str(best), best.encoding, 0
    raise DecodeError("cannot tell the text encoding (not UTF-8, UTF-16 or CP949/EUC-KR)")


def _mostly_hangul(text: str) -> bool:
    non_ascii = [ch for ch in text if ord(ch) > 127]
    if not non_ascii:
        return True
    hangul = sum(1 for ch in non_ascii if "\uac00" <= ch <= "\ud7a3")
    return hangul / len(non_ascii) >= 0.7
