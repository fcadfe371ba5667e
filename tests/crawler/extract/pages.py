"""Small HTML pages built in memory for the extraction tests."""

STORY = (
    "The ministry said on Monday that exports rose 6 percent in the first nine months of the "
    "year, helped by stronger demand for fertilisers, phosphates and potash in Asian markets.",
    "Officials expect the trend to continue next year as new trade agreements with East Asian "
    "partners take effect and shipping costs through the Red Sea ease.",
    "Imports fell 2 percent over the same period, narrowing the trade deficit to its lowest "
    "level in five years, according to the figures.",
)
WIRE_ID = "MENAFN19112025000029011111ID1110361234"


def wire_page(
    *,
    attribution: str = "(MENAFN- Jordan Times)",
    wire_id: str = WIRE_ID,
    story: tuple[str, ...] = STORY,
    title: str = "Jordan Exports Rise 6 Percent",
    dateline: str = "19 Nov 2025",
    head: str = "",
    around: str = "",
) -> str:
    """A plain wire page: headline, dateline, attributed paragraphs, wire ID, footer."""
    first, *rest = story
    paragraphs = "".join(f"<p>{text}</p>" for text in rest)
    return (
        f"<!DOCTYPE html><html lang='en'><head><title>{title} | MENAFN.COM</title>{head}</head>"
        f"<body><nav><a href='/'>Home</a></nav>{around}<div class='story'><h1>{title}</h1>"
        f"<div class='date'>{dateline}</div><div class='body'><p>{attribution} {first}</p>"
        f"{paragraphs}<p>{wire_id}</p></div><p>MENAFN</p></div></body></html>"
    )


def generic_page(*, title: str = "City Council Approves New Cycling Lanes", extra: str = "") -> str:
    """A news page without MENAFN markers."""
    body = "".join(
        f"<p>{text}</p>"
        for text in (
            "The city council on Tuesday approved a plan to build 40 kilometres of protected "
            "cycling lanes over the next three years, the largest such project in the city's "
            "history.",
            "The plan, which passed by 31 votes to 9, will connect the university district with "
            "the central business district and the main railway station, officials said.",
            "Supporters said the lanes would cut traffic and improve air quality, while some "
            "shop owners worried about the loss of parking spaces along the busiest streets.",
            "Construction of the first section is expected to begin in the spring, with the "
            "whole network due to open before the end of 2028.",
        )
    )
    return (
        f"<!DOCTYPE html><html lang='en-GB'><head><title>{title} - City Herald</title>"
        "<meta property='og:site_name' content='City Herald'>"
        "<meta property='article:published_time' content='2025-11-18T16:20:00+01:00'>"
        f"</head><body><header><nav><a href='/'>Home</a> <a href='/local'>Local</a></nav></header>"
        f"<main><article><h1>{title}</h1>{body}</article></main>{extra}"
        "<footer>&copy; City Herald</footer></body></html>"
    )
