"""Interface text in Korean and English, chosen by ?hl=, a cookie, or Accept-Language.

One table per language: the page's own words here, merged with the core's coded
notices and errors (indexer/resources/messages.<lang>.toml); field and facet labels
come from the field registry (indexer/fields.py).
"""

from __future__ import annotations

from flask import Request

from indexer.fields import field_named
from indexer.messages import LANGUAGES, Notice, message_table

DEFAULT_LANGUAGE = "ko"
API_DEFAULT_LANGUAGE = "en"

INTERFACE: dict[str, dict[str, str]] = {
    "ko": {
        "title": "정책 검색",
        "search_label": "검색어",
        "search_button": "검색",
        "placeholder": "예: 아리수, 도시재생, 장애인 활동지원",
        "results_count": "{total}건",
        "took": "{ms}ms",
        "took_cached": "저장된 결과",
        "related_searches": "관련 검색어",
        "body_cut": "문서가 길어 앞의 {chars}자만 보여 줍니다.",
        "marks_cut": "검색어는 앞의 {marks}곳까지만 표시했습니다.",
        "whole_text": "전문(텍스트) 보기",
        "sort_label": "정렬",
        "sort_relevance": "관련도순",
        "sort_newest": "최신순",
        "sort_oldest": "오래된순",
        "apply_filters": "필터 적용",
        "filters": "필터",
        "remove_filter": "필터 해제",
        "no_results": "‘{q}’에 대한 검색 결과가 없습니다.",
        "no_results_filters": "선택한 필터를 모두 해제하고 다시 검색",
        "no_results_tips": "띄어쓰기를 바꾸거나, 더 짧은 단어로 검색해 보세요.",
        "previous": "이전",
        "next": "다음",
        "page_of": "{page} / {pages} 쪽",
        "similar": "비슷한 문서",
        "back": "검색 결과로 돌아가기",
        "metadata": "문서 정보",
        "date_from": "시작일",
        "date_to": "종료일",
        "switch_language": "English",
        "marks_timeout": "검색어 표시가 제한 시간을 넘어, 표시 없이 문서를 보여 줍니다.",
        "browse": "전체 문서",
        "more_values": "모두 보기",
        "fewer_values": "접기",
        "facet_filter": "{facet} 찾기",
        "facet_values_shown": "{total}개 중 {shown}개",
        "date_range": "기간",
        "date_format": "연도(2018), 연월(2018-06) 또는 날짜(2018-06-15)",
        "apply_range": "적용",
        "feed_title": "‘{q}’ 새 문서 - 정책 검색",
        "feed_title_all": "새 문서 - 정책 검색",
        "feed_link": "새 문서 피드(Atom)",
        "export_csv": "CSV로 내려받기",
        "export_jsonl": "JSON Lines",
        "export_note": "최대 {rows}건",
        "cite_label": "인용",
        "close_filters": "닫기",
        "results_label": "검색 결과",
        "skip_to_results": "검색 결과로 건너뛰기",
        "copy_citation": "인용문 복사",
        "link_label": "링크",
        "copy_link": "링크 복사",
        "copied": "복사했습니다.",
        "search_original": "‘{q}’(으)로 검색",
        "related_count": "관련 결과 {total}건",
        "related_heading": "관련 결과 {total}건",
        "related_note": "검색어를 모두 포함하지는 않지만 도움이 될 수 있는 문서입니다.",
        "no_matches": "‘{q}’와(과) 일치하는 문서가 없습니다. 아래는 관련 결과입니다.",
        "export_all": "관련 결과까지 CSV",
        "search_english_too": "영문 문서도 검색",
        "reasons_label": "찾은 이유",
        "subscribe_title": "새 문서 알림 받기",
        "subscribe_intro": (
            "이 검색에 새 문서가 색인되면 피드 리더가 알려 줍니다. "
            "브라우저에서 피드를 직접 열면 XML만 보입니다."
        ),
        "subscribe_step_copy": "아래 피드 주소를 복사합니다.",
        "subscribe_step_reader": (
            "피드 리더(Feedly, Inoreader, Thunderbird, Outlook의 RSS 구독 등)에서 "
            "‘피드 추가’나 ‘구독’을 누르고 주소를 붙여 넣습니다."
        ),
        "subscribe_step_done": (
            "이제 이 검색의 새 문서가 최신순으로 리더에 나타납니다. "
            "검색어와 필터가 바뀌면 다른 피드입니다."
        ),
        "feed_address": "피드 주소",
        "open_feed": "피드(XML) 열기",
    },
    "en": {
        "title": "Policy search",
        "search_label": "Search terms",
        "search_button": "Search",
        "placeholder": "e.g. Arisu, urban regeneration, 장애인 활동지원",
        "results_count": "{total} results",
        "took": "{ms} ms",
        "took_cached": "cached result",
        "related_searches": "Related searches",
        "body_cut": "The document is long: its first {chars} characters are shown.",
        "marks_cut": "The searched words are marked up to their first {marks} places.",
        "whole_text": "The whole text",
        "sort_label": "Sort",
        "sort_relevance": "Relevance",
        "sort_newest": "Newest",
        "sort_oldest": "Oldest",
        "apply_filters": "Apply filters",
        "filters": "Filters",
        "remove_filter": "Remove filter",
        "no_results": "No documents match ‘{q}’.",
        "no_results_filters": "Search again without the selected filters",
        "no_results_tips": "Try other spacing, fewer words, or shorter words.",
        "previous": "Previous",
        "next": "Next",
        "page_of": "Page {page} of {pages}",
        "similar": "Similar documents",
        "back": "Back to the results",
        "metadata": "Details",
        "date_from": "From",
        "date_to": "To",
        "switch_language": "한국어",
        "marks_timeout": (
            "Marking the search words took too long; the document is shown without marks."
        ),
        "browse": "All documents",
        "more_values": "Show all",
        "fewer_values": "Show fewer",
        "facet_filter": "Find a {facet}",
        "facet_values_shown": "{shown} of {total}",
        "date_range": "Dates",
        "date_format": "A year (2018), a month (2018-06) or a day (2018-06-15)",
        "apply_range": "Apply",
        "feed_title": "New documents on ‘{q}’ - Policy search",
        "feed_title_all": "New documents - Policy search",
        "feed_link": "Feed of new documents (Atom)",
        "export_csv": "Download CSV",
        "export_jsonl": "JSON Lines",
        "export_note": "up to {rows} rows",
        "cite_label": "Cite",
        "close_filters": "Close",
        "results_label": "Results",
        "skip_to_results": "Skip to results",
        "copy_citation": "Copy citation",
        "link_label": "Link",
        "copy_link": "Copy link",
        "copied": "Copied.",
        "search_original": "Search for ‘{q}’ instead",
        "related_count": "{total} related",
        "related_heading": "Related results ({total})",
        "related_note": "These do not hold every word searched, but may help.",
        "no_matches": "No document matches ‘{q}’. Related results follow.",
        "export_all": "CSV with related results",
        "search_english_too": "Search English documents too",
        "reasons_label": "Why found",
        "subscribe_title": "Get new documents as they come",
        "subscribe_intro": (
            "A feed reader tells you when documents matching this search are indexed. Opened in "
            "a browser, the feed itself is only XML."
        ),
        "subscribe_step_copy": "Copy the feed address below.",
        "subscribe_step_reader": (
            "In a feed reader (Feedly, Inoreader, Thunderbird, Outlook's RSS subscriptions "
            "...), choose 'Add feed' or 'Subscribe' and paste the address."
        ),
        "subscribe_step_done": (
            "New documents of this search then appear in the reader, newest first. Other words "
            "or filters make another feed."
        ),
        "feed_address": "Feed address",
        "open_feed": "Open the feed (XML)",
    },
}


MESSAGES: dict[str, dict[str, str]] = {
    language: {**message_table(language), **INTERFACE[language]} for language in LANGUAGES
}


def pick_language(request: Request) -> str:
    """?hl=, else the hl cookie, else Accept-Language; with none of them Korean on the
    pages and English in the API (a program that states no language)."""
    chosen = request.args.get("hl") or request.cookies.get("hl")
    if chosen in LANGUAGES:
        return chosen
    default = API_DEFAULT_LANGUAGE if request.path.startswith("/api/") else DEFAULT_LANGUAGE
    return request.accept_languages.best_match(LANGUAGES, default=default)


class Translator:
    """The interface text of one language: ``t(key, **values)``, plus the labels of
    fields and facet values and the text of the core's notices."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.messages = MESSAGES[language]

    def __call__(self, key: str, **values: object) -> str:
        template = self.messages[key]
        return template.format(**values) if values else template

    def field(self, name: str) -> str:
        return field_named(name).label(self.language)

    def value(self, name: str, value: str) -> str:
        return field_named(name).value_label(value, self.language)

    def notice(self, notice: Notice) -> str:
        return notice.text(self.language)


def translator(language: str) -> Translator:
    return Translator(language)


def localize_facets(facets: list[dict], language: str) -> None:
    """Facet and value labels of an API answer in ``language`` (in place)."""
    for facet in facets:
        spec = field_named(facet["name"])
        facet["label"] = spec.label(language)
        for value in facet["values"]:
            value["label"] = spec.value_label(value["value"], language)
