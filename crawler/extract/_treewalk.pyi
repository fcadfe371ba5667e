from collections.abc import Callable, Iterator

from lxml import etree

class ParagraphRules:
    def __init__(
        self,
        *,
        block_tags: frozenset[str],
        bold_tags: frozenset[str],
        skip_tags: frozenset[str],
        naming_attributes: frozenset[str],
        is_boilerplate_name: Callable[[str], bool],
        is_boilerplate_element: Callable[[etree._Element], bool],
        invisible_characters: str,
    ) -> None: ...

def raw_paragraphs(
    container: etree._Element, markers: list[etree._Element], rules: ParagraphRules
) -> list[str]: ...
def common_ancestor(
    first: etree._Element, second: etree._Element
) -> tuple[int, etree._Element]: ...
def texts_near(anchor: etree._Element, container: etree._Element, budget: int) -> Iterator[str]: ...
def survey(
    root: etree._Element,
    metadata: object,
    json_ld_objects: Callable[[str], list[dict[str, object]]],
    stripped: frozenset[str],
    limit: int,
) -> tuple[list[tuple[etree._Element, str]], set[str]]: ...
