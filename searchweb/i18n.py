"""Interface text in Korean and English, chosen by ?hl=, a cookie, or Accept-Language."""

from __future__ import annotations

from flask import Request

LANGUAGES = ("ko", "en")
DEFAULT_LANGUAGE = "ko"

MESSAGES: dict[str, dict[str, str]] = {
    "ko": {
        "title": "정책 검색",
        "search_label": "검색어",
        "search_button": "검색",
        "placeholder": "예: 아리수, 도시재생, 장애인 활동지원",
        "results_count": "{total}건",
        "took": "{ms}ms",
        "sort_label": "정렬",
        "sort_relevance": "관련도순",
        "sort_date": "최신순",
        "apply_filters": "필터 적용",
        "filters": "필터",
        "remove_filter": "필터 해제",
        "no_results": "‘{q}’에 대한 검색 결과가 없습니다.",
        "no_results_filters": "선택한 필터를 모두 해제하고 다시 검색",
        "no_results_tips": "띄어쓰기를 바꾸거나, 더 짧은 단어로 검색해 보세요.",
        "relaxed": "모든 단어를 포함한 문서가 없어, 일부 단어가 포함된 문서를 보여 줍니다.",
        "relaxed_some": (
            "모든 단어를 포함한 문서 {count}건을 먼저 보여 주고, "
            "이어서 일부 단어가 포함된 문서를 보여 줍니다."
        ),
        "previous": "이전",
        "next": "다음",
        "page_of": "{page} / {pages} 쪽",
        "similar": "비슷한 문서",
        "back": "검색 결과로 돌아가기",
        "metadata": "문서 정보",
        "facet_category": "분류",
        "facet_department": "부서",
        "facet_year": "연도",
        "facet_lang": "언어",
        "field_id": "문서 ID",
        "field_date": "날짜",
        "field_source": "출처",
        "field_tags": "태그",
        "field_url": "원문",
        "date_from": "시작일",
        "date_to": "종료일",
        "switch_language": "English",
        "not_found": "문서를 찾을 수 없습니다.",
        "no_index": "아직 색인이 없습니다. 관리자가 `policysearch index`를 실행해야 합니다.",
        "too_many_requests": "검색 요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.",
        "search_timeout": (
            "검색이 제한 시간을 넘어 중단되었습니다. 와일드카드(*)를 "
            "줄이거나 더 구체적인 검색어로 다시 검색해 주세요."
        ),
        "marks_timeout": "검색어 표시가 제한 시간을 넘어, 표시 없이 문서를 보여 줍니다.",
        "browse": "전체 문서",
        "more_values": "더 보기",
    },
    "en": {
        "title": "Policy search",
        "search_label": "Search terms",
        "search_button": "Search",
        "placeholder": "e.g. Arisu, urban regeneration, 장애인 활동지원",
        "results_count": "{total} results",
        "took": "{ms} ms",
        "sort_label": "Sort",
        "sort_relevance": "Relevance",
        "sort_date": "Newest",
        "apply_filters": "Apply filters",
        "filters": "Filters",
        "remove_filter": "Remove filter",
        "no_results": "No documents match ‘{q}’.",
        "no_results_filters": "Search again without the selected filters",
        "no_results_tips": "Try other spacing, fewer words, or shorter words.",
        "relaxed": "No document has every word; showing documents with some of them.",
        "relaxed_some": (
            "The {count} documents with every word come first, then documents with some of them."
        ),
        "previous": "Previous",
        "next": "Next",
        "page_of": "Page {page} of {pages}",
        "similar": "Similar documents",
        "back": "Back to the results",
        "metadata": "Details",
        "facet_category": "Category",
        "facet_department": "Department",
        "facet_year": "Year",
        "facet_lang": "Language",
        "field_id": "Document id",
        "field_date": "Date",
        "field_source": "Source",
        "field_tags": "Tags",
        "field_url": "Original",
        "date_from": "From",
        "date_to": "To",
        "switch_language": "한국어",
        "not_found": "There is no such document.",
        "no_index": "There is no index yet. An operator needs to run `policysearch index`.",
        "too_many_requests": "Too many searches. Please try again in a moment.",
        "search_timeout": (
            "The search ran out of time and was stopped. Use fewer "
            "wildcards (*) or more specific words."
        ),
        "marks_timeout": (
            "Marking the search words took too long; the document is shown without marks."
        ),
        "browse": "All documents",
        "more_values": "more",
    },
}


def pick_language(request: Request) -> str:
    chosen = request.args.get("hl") or request.cookies.get("hl")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def translator(language: str):
    messages = MESSAGES[language]

    def t(key: str, **values: object) -> str:
        return messages[key].format(**values) if values else messages[key]

    return t
