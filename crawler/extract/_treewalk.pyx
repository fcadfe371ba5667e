# cython: language_level=3
"""The tree walks that dominate extraction time, compiled against lxml's C API.

``survey`` reads a page's metadata and finds the texts holding MENAFN markers in
one pass; ``raw_paragraphs`` turns the story into paragraphs; ``texts_near`` reads
the texts around the story's start for its dateline; ``common_ancestor`` pairs the
markers. Each walks libxml2's nodes directly instead of making a Python object of
every node, and each has a Python twin it is tested against, which runs where this
module was not built (``crawler/extract/speedups.py``).
"""

from unicodedata import normalize as unicode_normalize

from crawler.extract.dateline import may_hold_dateline

from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.unicode cimport (
    PyUnicode_DecodeUTF8,
    Py_UNICODE_ISSPACE,
)
from libc.string cimport memset, strchr, strcmp, strlen, strstr
from lxml.includes cimport tree
from lxml.includes.etreepublic cimport (
    _Element,
    _isElement,
    attributeValue,
    elementFactory,
    import_lxml__etree,
)


cdef extern from "Python.h":
    object PyUnicode_FromKindAndData(int kind, const void* buffer, Py_ssize_t size)
    int PyUnicode_4BYTE_KIND


import_lxml__etree()


cdef inline bint _is_text(tree.xmlNode* node) noexcept:
    return node.type == tree.XML_TEXT_NODE or node.type == tree.XML_CDATA_SECTION_NODE


cdef inline str _decode(const tree.xmlChar* text):
    return PyUnicode_DecodeUTF8(<const char*>text, strlen(<const char*>text), NULL)


cdef inline tree.xmlNode* _next_in(tree.xmlNode* node, tree.xmlNode* top, bint descend) noexcept:
    """The node after ``node`` in document order within ``top``'s subtree, or NULL.

    ``descend``: whether to enter ``node``'s children.
    """
    if descend and node.children is not NULL:
        return node.children
    while node is not top:
        if node.next is not NULL:
            return node.next
        node = node.parent
    return NULL


cdef enum:
    _BR = 1
    _BLOCK = 2
    _BOLD = 4
    _SKIP = 8
    _NAMING = 16
    _KIND_SLOTS = 128
    _STACK_CHARACTERS = 2048  # paragraphs up to this long are built without a heap buffer


cdef struct _KindSlot:
    const tree.xmlChar* name
    int kind


cdef class ParagraphRules:
    """What ``paragraphs`` decides, handed to the compiled walk (one source of truth)."""

    cdef frozenset block_tags
    cdef frozenset bold_tags
    cdef frozenset skip_tags
    cdef frozenset naming_attributes
    cdef object is_boilerplate_name
    cdef object is_boilerplate_element
    cdef Py_UCS4 invisible[8]
    cdef int invisible_count

    def __init__(
        self,
        *,
        frozenset block_tags,
        frozenset bold_tags,
        frozenset skip_tags,
        frozenset naming_attributes,
        is_boilerplate_name,
        is_boilerplate_element,
        str invisible_characters,
    ):
        self.block_tags = block_tags
        self.bold_tags = bold_tags
        self.skip_tags = skip_tags
        self.naming_attributes = naming_attributes
        self.is_boilerplate_name = is_boilerplate_name
        self.is_boilerplate_element = is_boilerplate_element
        if len(invisible_characters) > 8:
            raise ValueError("at most 8 invisible characters")
        self.invisible_count = 0
        for character in invisible_characters:
            self.invisible[self.invisible_count] = character
            self.invisible_count += 1

    cdef inline bint is_invisible(self, Py_UCS4 character) noexcept:
        cdef int index
        for index in range(self.invisible_count):
            if self.invisible[index] == character:
                return True
        return False

    cdef str normalize(self, str text):
        """``paragraphs.normalize_paragraph``: NFC, invisible characters dropped, white space
        collapsed (on what ``str.split()`` splits on), in one pass over the characters."""
        cdef Py_ssize_t length = 0
        cdef bint gap = False
        cdef Py_UCS4 character
        cdef Py_UCS4 stack[_STACK_CHARACTERS]
        cdef Py_UCS4* out = &stack[0]
        if not text.isascii():
            text = unicode_normalize("NFC", text)
        if len(text) > _STACK_CHARACTERS:
            out = <Py_UCS4*>PyMem_Malloc(len(text) * sizeof(Py_UCS4))
        if out is NULL:
            raise MemoryError()
        try:
            for character in text:
                if Py_UNICODE_ISSPACE(character):
                    gap = length > 0
                elif character < 0x80 or not self.is_invisible(character):
                    if gap:
                        out[length] = 32
                        length += 1
                        gap = False
                    out[length] = character
                    length += 1
            return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, length)
        finally:
            if out is not &stack[0]:
                PyMem_Free(out)

    cdef int kind(self, const tree.xmlChar* name, _KindSlot* slots) except -1:
        """What the rules say of a tag or attribute name, cached by the name's address
        (libxml2 keeps one copy of each name per document)."""
        cdef _KindSlot* slot = &slots[(<size_t>name >> 3) % _KIND_SLOTS]
        if slot.name is name:
            return slot.kind
        text = _decode(name)
        kind = (
            (_BR if text == "br" else 0)
            | (_BLOCK if text in self.block_tags else 0)
            | (_BOLD if text in self.bold_tags else 0)
            | (_SKIP if text in self.skip_tags else 0)
            | (_NAMING if text in self.naming_attributes else 0)
        )
        slot.name = name
        slot.kind = kind
        return kind

    cdef bint is_boilerplate(
        self, tree.xmlNode* node, int kind, _Element container, _KindSlot* slots
    ) except -1:
        """``is_boilerplate_element`` without a Python object for the element."""
        cdef tree.xmlAttr* attribute
        if node.type != tree.XML_ELEMENT_NODE:
            return True  # a comment or processing instruction
        if node.ns is not NULL:
            return bool(self.is_boilerplate_element(elementFactory(container._doc, node)))
        if kind & _SKIP:
            return True
        if strchr(<const char*>node.name, 45) is not NULL and self.is_boilerplate_name(
            _decode(node.name)
        ):
            return True
        attribute = node.properties
        while attribute is not NULL:
            if attribute.ns is NULL and self.kind(attribute.name, slots) & _NAMING:
                if self.is_boilerplate_name(attributeValue(node, attribute)):
                    return True
            attribute = attribute.next
        return False


cdef class _Paragraphs:
    """The paragraph builder of ``paragraphs.walk_paragraphs``, state in C fields."""

    cdef list paragraphs
    cdef list parts
    cdef bint all_bold
    cdef int breaks
    cdef ParagraphRules rules

    def __cinit__(self, ParagraphRules rules):
        self.paragraphs = []
        self.parts = []
        self.all_bold = True
        self.breaks = 0
        self.rules = rules

    cdef void flush(self) except *:
        if not self.parts:
            return
        paragraph = self.rules.normalize("".join(self.parts))
        if paragraph:
            self.paragraphs.append(paragraph)
        del self.parts[:]
        self.all_bold = True
        self.breaks = 0

    cdef void text(self, str text, bint bold) except *:
        if not text:
            return
        if text.isspace():
            if self.parts:
                self.parts.append(" ")
            return
        if self.breaks >= 2 or (self.breaks == 1 and self.all_bold and self.parts):
            self.flush()
        elif self.breaks:
            self.parts.append(" ")
        self.breaks = 0
        self.parts.append(text)
        self.all_bold = self.all_bold and bold


def raw_paragraphs(_Element container, list markers, ParagraphRules rules):
    """``paragraphs.walk_paragraphs`` over libxml2's nodes, by the same rules.

    Elements start and end, and text nodes come, in the order ``etree.iterwalk``
    gives elements with their texts and tails. ``markers`` and their ancestors
    are never skipped.
    """
    cdef _Paragraphs builder = _Paragraphs(rules)
    cdef tree.xmlNode* top = container._c_node
    cdef tree.xmlNode* node = top
    cdef tree.xmlNode* skipped = NULL
    cdef int bold = 0
    cdef int kind
    cdef _KindSlot slots[_KIND_SLOTS]
    memset(slots, 0, sizeof(slots))
    while True:
        if _is_text(node):
            if node.content is not NULL:
                builder.text(_decode(node.content), bold > 0)
        elif _isElement(node):
            kind = rules.kind(node.name, slots) if node.type == tree.XML_ELEMENT_NODE else 0
            if kind & _BR:
                if builder.parts:
                    builder.breaks += 1
            elif (
                node is not top
                and rules.is_boilerplate(node, kind, container, slots)
                and not _on_path_to(node, markers)
            ):
                skipped = node
            else:
                if kind & _BLOCK:
                    builder.flush()
                elif kind & _BOLD:
                    bold += 1
                if node.children is not NULL:
                    node = node.children
                    continue
        while True:  # the node is done: end it, and every ancestor it was the last child of
            if node.type == tree.XML_ELEMENT_NODE:
                kind = rules.kind(node.name, slots)
                if node is skipped:
                    skipped = NULL
                elif kind & _BOLD:
                    bold -= 1
                if kind & _BLOCK:
                    builder.flush()
            elif node is skipped:
                skipped = NULL
            if node is top:
                builder.flush()
                return builder.paragraphs
            if node.next is not NULL:
                node = node.next
                break
            node = node.parent


cdef bint _on_path_to(tree.xmlNode* node, list markers) except -1:
    """Whether ``node`` is one of the marker elements or an ancestor of one."""
    cdef tree.xmlNode* current
    for marker in markers:
        current = (<_Element>marker)._c_node
        while current is not NULL:
            if current is node:
                return True
            current = current.parent
    return False


def common_ancestor(_Element first, _Element second):
    """``locate.Chain(first).meet(second)``: (depth from the top, element) where the
    ancestries of ``first`` and ``second`` meet; (0, ``first``'s topmost ancestor) if never."""
    cdef tree.xmlNode* mine
    cdef tree.xmlNode* theirs = second._c_node
    cdef tree.xmlNode* top = first._c_node
    cdef Py_ssize_t height
    while top.parent is not NULL and _isElement(top.parent):
        top = top.parent
    while theirs is not NULL and _isElement(theirs):
        mine = first._c_node
        while mine is not NULL and _isElement(mine):
            if mine is theirs:
                height = 0
                while mine is not top:
                    mine = mine.parent
                    height += 1
                return height, elementFactory(first._doc, theirs)
            mine = mine.parent
        theirs = theirs.parent
    return 0, elementFactory(first._doc, top)


def texts_near(_Element anchor, _Element container, int budget):
    """``locate.texts_near`` over libxml2's nodes: texts around the story's start, nearest first.

    Lazy, as the search usually stops at the first few. Each sibling's text is what
    ``etree.tostring(sibling, method="text", with_tail=True)`` gives; a parent's
    own leading text comes after its children before the anchor. Only texts with
    a "19" or "20" in them are made and given (``dateline.may_hold_dateline``);
    the others still count against the budget.
    """
    cdef tree.xmlNode* current = anchor._c_node
    cdef tree.xmlNode* top = container._c_node
    cdef tree.xmlNode* parent
    cdef tree.xmlNode* sibling
    cdef bint inside = current is not top
    cdef int preceding, following
    while budget > 0:
        parent = current.parent
        if parent is NULL or not _isElement(parent):
            return
        preceding = 0
        sibling = current.prev
        while sibling is not NULL and preceding < budget:
            if _isElement(sibling):
                preceding += 1
                if _may_hold_year(sibling):
                    yield _node_text(sibling)
            sibling = sibling.prev
        leading = _leading_text(parent)
        if leading:
            preceding += 1
            if may_hold_dateline(leading):
                yield leading
        following = 0
        if not inside:
            sibling = current.next
            while sibling is not NULL and following < budget:
                if _isElement(sibling):
                    following += 1
                    if _may_hold_year(sibling):
                        yield _node_text(sibling)
                sibling = sibling.next
        budget -= preceding + following
        if parent is top:
            inside = False
        current = parent


cdef str _leading_text(tree.xmlNode* element):
    """An element's ``.text``: its text nodes before its first other child."""
    cdef list pieces = []
    cdef tree.xmlNode* node = element.children
    while node is not NULL and _is_text(node):
        if node.content is not NULL:
            pieces.append(_decode(node.content))
        node = node.next
    return "".join(pieces)


cdef tree.xmlNode* _next_piece(tree.xmlNode* node, tree.xmlNode* top) noexcept:
    """The text nodes whose contents make ``_node_text(top)``, one after another.

    Start from NULL; NULL after the last. A non-element ``top`` is its own first
    piece; an element's are the text nodes of its subtree in document order. The
    text nodes of ``top``'s tail follow.
    """
    if node is NULL:
        if top.type != tree.XML_ELEMENT_NODE:
            return top
        node = _next_in(top, top, True)
    elif node is top or node.parent is top.parent:  # ``top`` itself, or its tail
        return _tail_after(node)
    else:
        node = _next_in(node, top, False)  # a text node of the subtree: it has no children
    while node is not NULL and not _is_text(node):
        node = _next_in(node, top, node.type == tree.XML_ELEMENT_NODE)
    return node if node is not NULL else _tail_after(top)


cdef inline tree.xmlNode* _tail_after(tree.xmlNode* node) noexcept:
    node = node.next
    return node if node is not NULL and _is_text(node) else NULL


cdef str _node_text(tree.xmlNode* top):
    """What ``etree.tostring(node, method="text", with_tail=True)`` gives."""
    cdef list pieces = []
    cdef tree.xmlNode* node = _next_piece(NULL, top)
    while node is not NULL:
        if node.content is not NULL:
            pieces.append(_decode(node.content))
        node = _next_piece(node, top)
    return "".join(pieces)


cdef bint _may_hold_year(tree.xmlNode* top) noexcept:
    """Whether ``_node_text(top)`` holds "19" or "20", read in its pieces' bytes, unmade."""
    cdef tree.xmlChar previous = 0
    cdef tree.xmlNode* node = _next_piece(NULL, top)
    while node is not NULL:
        if _holds_year_digits(node.content, &previous):
            return True
        node = _next_piece(node, top)
    return False


cdef inline bint _holds_year_digits(
    const tree.xmlChar* text, tree.xmlChar* previous
) noexcept:
    """Whether "19" or "20" starts in ``text``, or across from the byte before it (kept in
    ``previous`` from piece to piece). UTF-8 never puts ASCII digits inside other characters."""
    if text is NULL:
        return False
    while text[0] != 0:
        if (previous[0] == 49 and text[0] == 57) or (previous[0] == 50 and text[0] == 48):
            return True
        previous[0] = text[0]
        text += 1
    return False


def survey(_Element root, metadata, json_ld_objects, frozenset stripped, int limit):
    """One pass over the page, before ``stripped`` elements are removed from it.

    Fills ``metadata`` as ``document.collect_metadata`` does (``json_ld_objects``
    turns the text of a JSON-LD script into its objects). Returns what
    ``document.search_marker_texts`` finds once they are removed: (element, text)
    of each text under ``<body>`` holding ``MENAFN``, at most ``limit``; and the
    names in ``stripped`` that the page's elements (below ``root``) have.
    """
    cdef tree.xmlNode* top = root._c_node
    cdef tree.xmlNode* node = top
    cdef const char* name
    cdef list found = []
    cdef set present = set()
    cdef bint initials[256]  # first bytes of the stripped names: most tags are ruled out at once
    memset(initials, 0, sizeof(initials))
    for stripped_name in stripped:
        initials[(<bytes>stripped_name.encode())[0]] = True
    while node is not NULL:
        if node.type == tree.XML_ELEMENT_NODE and node.ns is NULL:
            name = <const char*>node.name
            if node is not top and initials[node.name[0]] and _decode(node.name) in stripped:
                present.add(_decode(node.name))
            if strcmp(name, "meta") == 0:
                _collect_meta(node, metadata.meta)
            elif strcmp(name, "script") == 0:
                kind = _attribute(node, b"type")
                if kind is not None and "ld+json" in kind.lower():
                    text = _leading_text(node)
                    if text:
                        metadata.json_ld.extend(json_ld_objects(text))
            elif strcmp(name, "title") == 0:
                if not metadata.title_tag:
                    metadata.title_tag = _leading_text(node)
            elif strcmp(name, "time") == 0 and _attribute(node, b"itemprop") == "datePublished":
                value = (_attribute(node, b"datetime") or _leading_text(node)).strip()
                if value:
                    metadata.date_published.append(value)
        elif (
            _is_text(node)
            and node.content is not NULL
            and len(found) < limit
            and strstr(<const char*>node.content, "MENAFN") is not NULL
            and _kept_in_body(node, top, stripped, initials)
        ):
            found.append((elementFactory(root._doc, node.parent), _decode(node.content)))
        node = _next_in(node, top, node.type == tree.XML_ELEMENT_NODE)
    return found, present


cdef bint _kept_in_body(
    tree.xmlNode* text, tree.xmlNode* root, frozenset stripped, bint* initials
) except -1:
    """Whether a text node is under a ``<body>`` child of ``root`` and inside no element
    that stripping ``stripped`` would remove (``initials``: their names' first bytes)."""
    cdef tree.xmlNode* node = text.parent
    while node is not NULL and node.parent is not root:
        if node.type != tree.XML_ELEMENT_NODE:
            return False
        if node.ns is NULL and initials[node.name[0]] and _decode(node.name) in stripped:
            return False
        node = node.parent
    return (
        node is not NULL
        and node.type == tree.XML_ELEMENT_NODE
        and node.ns is NULL
        and strcmp(<const char*>node.name, "body") == 0
    )


cdef void _collect_meta(tree.xmlNode* node, dict meta) except *:
    """``document._read_meta``: a ``<meta>`` tag's content under its lower-cased name."""
    content = _attribute(node, b"content")
    if content is None:
        return
    key = (
        _attribute(node, b"property")
        or _attribute(node, b"name")
        or _attribute(node, b"itemprop")
        or _attribute(node, b"http-equiv")
    )
    if key:
        meta.setdefault(key.strip().lower(), content.strip())


cdef object _attribute(tree.xmlNode* node, const char* name):
    """``element.get(name)``: the first attribute of that name outside any namespace, or None."""
    cdef tree.xmlAttr* attribute = node.properties
    while attribute is not NULL:
        if attribute.ns is NULL and strcmp(<const char*>attribute.name, name) == 0:
            return attributeValue(node, attribute)
        attribute = attribute.next
    return None
