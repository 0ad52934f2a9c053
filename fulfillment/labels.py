"""Shipping labels and packing slips as PDF: data in, bytes out.

Every page is 4x6 inches (288 x 432 pt), the size of the thermal label
printers warehouses use, so a wave's labels and slips come out of one printer
in one go. Text is set in DejaVu Sans (bundled in `fonts/`): reportlab's
built-in Helvetica has no Vietnamese letters. Barcodes are Code 128, drawn
by reportlab itself, with bars as wide as the page allows (a long number gets
thinner bars, never bars off the page).

What goes on a paper is `fulfillment.paper_selectors`' to read; this module
knows nothing of requests or the database.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

PAGE_SIZE = (4 * inch, 6 * inch)  # 288 x 432 pt
MARGIN = 10
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
_FONTS_DIR = Path(__file__).resolve().parent / "fonts"

# Bars: 1.4 pt is about 4 dots of a 203 dpi printer; the quiet zone is 10 bars each side.
MAX_BAR_WIDTH = 1.4
QUIET_BARS = 10


@dataclass(frozen=True)
class Party:
    """Who sends or receives: a name, address lines as printed, a phone."""

    name: str
    lines: Sequence[str] = ()
    phone: str = ""


@dataclass(frozen=True)
class ShippingLabel:
    """One label page: stuck on one package of a shipment."""

    sender: Party
    recipient: Party
    order_number: str
    carrier_name: str
    tracking_number: str
    ship_date: date
    platform_reference: str = ""
    package_position: int = 0  # 0: the shipment names no package
    package_count: int = 0
    package_weight_grams: int = 0
    total_weight_grams: int = 0
    # The amount the carrier collects, formatted ("₫1,234,000"); empty: nothing to collect.
    cod_amount: str = ""
    # When another shipment of the order collects the money, what this label says instead.
    cod_note: str = ""


@dataclass(frozen=True)
class SlipLine:
    sku: str
    name: str
    quantity: int


@dataclass(frozen=True)
class PackingSlip:
    """What goes into one package, for the packer and the customer who opens it."""

    storefront_name: str
    order_number: str
    customer_name: str
    recipient: Party
    package_position: int
    package_count: int
    weight_grams: int
    packed_on: date
    lines: Sequence[SlipLine] = field(default_factory=tuple)
    platform_reference: str = ""
    carrier_name: str = ""
    tracking_number: str = ""


Paper = ShippingLabel | PackingSlip


@functools.cache
def _fonts() -> None:
    """Register the DejaVu fonts with reportlab, once per process."""
    pdfmetrics.registerFont(TTFont(FONT, str(_FONTS_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(_FONTS_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
    )


def papers_pdf(papers: Sequence[Paper], *, title: str = "") -> bytes:
    """Return one PDF of `papers` in their order: a label is one page, a slip one or more."""
    if not papers:
        raise ValueError("Nothing to print.")
    _fonts()
    buffer = BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=PAGE_SIZE,
        title=title,
        author="",
        creator="Order management",
        leftMargin=0,
        rightMargin=0,
        topMargin=0,
        bottomMargin=0,
    )
    label_frame = Frame(
        0, 0, *PAGE_SIZE, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0
    )
    slip_frame = Frame(
        MARGIN,
        MARGIN + 12,  # room for the footer
        PAGE_SIZE[0] - 2 * MARGIN,
        PAGE_SIZE[1] - 2 * MARGIN - 12,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    templates = {
        "label": PageTemplate(id="label", frames=[label_frame]),
        "slip": PageTemplate(id="slip", frames=[slip_frame], onPageEnd=_slip_footer),
    }
    first = _kind(papers[0])
    document.addPageTemplates(
        [templates[first], *(t for kind, t in templates.items() if kind != first)]
    )
    story: list[Flowable] = []
    for index, paper in enumerate(papers):
        if index:
            story += [NextPageTemplate(_kind(paper)), PageBreak()]
        if isinstance(paper, ShippingLabel):
            story.append(_LabelPage(paper))
        else:
            story += _slip_story(paper)
    document.build(story)
    return buffer.getvalue()


def _kind(paper: Paper) -> str:
    return "label" if isinstance(paper, ShippingLabel) else "slip"


# -- barcodes --------------------------------------------------------------------------


def _barcode(value: str, *, width: float, height: float) -> Code128:
    """A Code 128 barcode of `value` with the widest bars that fit `width` with quiet zones."""
    probe = Code128(value, barWidth=1, quiet=False, humanReadable=False)
    modules = probe.width  # without quiet zones, one module per point
    bar_width = min(MAX_BAR_WIDTH, width / (modules + 2 * QUIET_BARS))
    quiet = QUIET_BARS * bar_width
    return Code128(
        value,
        barWidth=bar_width,
        barHeight=height,
        lquiet=quiet,
        rquiet=quiet,
        humanReadable=False,
    )


class _BarcodeFlowable(Flowable):
    """A centred Code 128 barcode with its value in text below."""

    def __init__(self, value: str, *, height: float, text_size: float = 10):
        super().__init__()
        self.value = value
        self.bar_height = height
        self.text_size = text_size

    def wrap(self, available_width, available_height):
        self.width = available_width
        self.height = self.bar_height + self.text_size + 4
        return self.width, self.height

    def draw(self):
        barcode = _barcode(self.value, width=self.width, height=self.bar_height)
        barcode.drawOn(self.canv, (self.width - barcode.width) / 2, self.text_size + 4)
        _centred_text(
            self.canv, self.value, FONT_BOLD, self.text_size, self.width / 2, 1, self.width
        )


def _centred_text(canvas, text: str, font: str, size: float, x: float, y: float, width: float):
    """Draw `text` centred on `x`, smaller when it would be wider than `width`."""
    size = min(size, size * width / max(pdfmetrics.stringWidth(text, font, size), 1))
    canvas.setFont(font, size)
    canvas.drawCentredString(x, y, text)


# -- the label -------------------------------------------------------------------------


def _style(size: float, *, bold: bool = False, leading: float | None = None) -> ParagraphStyle:
    return ParagraphStyle(
        name=f"s{size}{bold}",
        fontName=FONT_BOLD if bold else FONT,
        fontSize=size,
        leading=leading or size * 1.2,
        autoLeading="max",  # a bigger name on a wrapped line pushes the next line down
    )


def _party_markup(party: Party, *, name_size: float, size: float) -> str:
    parts = [f'<font name="{FONT_BOLD}" size="{name_size}">{escape(party.name)}</font>']
    parts += [escape(line) for line in party.lines if line]
    if party.phone:
        parts.append(escape(_("Phone: %(phone)s") % {"phone": party.phone}))
    return "<br/>".join(parts)


def _fitted_paragraph(markup_for, width: float, height: float, sizes: Sequence[float]):
    """The paragraph at the largest of `sizes` that fits `width` x `height` (else the smallest)."""
    for size in sizes:
        paragraph = Paragraph(markup_for(size), _style(size))
        _w, h = paragraph.wrap(width, height)
        if h <= height:
            return paragraph, h
    return paragraph, h


def _draw_within(canvas, paragraph: Paragraph, height: float, *, x: float, top: float, room: float):
    """Draw `paragraph` from `top` down, cut at `room` points so it never covers the next band."""
    canvas.saveState()
    path = canvas.beginPath()
    path.rect(x - 1, top - room, PAGE_SIZE[0], room + 1)
    canvas.clipPath(path, stroke=0, fill=0)
    paragraph.drawOn(canvas, x, top - height)
    canvas.restoreState()
    return min(height, room)


class _LabelPage(Flowable):
    """A whole 4x6 label, laid out on the page by hand: bands from top to bottom."""

    def __init__(self, label: ShippingLabel):
        super().__init__()
        self.label = label

    def wrap(self, available_width, available_height):
        self.width, self.height = available_width, available_height
        return self.width, self.height

    def draw(self):
        canvas, label = self.canv, self.label
        width = self.width - 2 * MARGIN
        left, top = MARGIN, self.height - MARGIN
        canvas.setFillColor(colors.black)
        canvas.setStrokeColor(colors.black)

        # Carrier, and the ship date on the right.
        canvas.setFont(FONT, 8)
        date_text = label.ship_date.isoformat()
        date_width = pdfmetrics.stringWidth(date_text, FONT, 8)
        canvas.drawRightString(left + width, top - 14, date_text)
        carrier_width = width - date_width - 8
        size = min(
            18,
            18 * carrier_width / max(pdfmetrics.stringWidth(label.carrier_name, FONT_BOLD, 18), 1),
        )
        canvas.setFont(FONT_BOLD, size)
        canvas.drawString(left, top - 16, label.carrier_name)
        top -= 24
        self._rule(top)

        # Sender: small, it is where the parcel goes back to.
        top -= 3
        canvas.setFont(FONT_BOLD, 7)
        canvas.drawString(left, top - 7, _("FROM"))
        paragraph, height = _fitted_paragraph(
            lambda s: _party_markup(label.sender, name_size=s + 1, size=s),
            width - 30,
            58,
            (8, 7, 6, 5),
        )
        height = _draw_within(canvas, paragraph, height, x=left + 30, top=top, room=58)
        top -= max(height, 12) + 4
        self._rule(top)

        # Bottom up: barcode of the tracking number, its number, the order, COD.
        bottom = MARGIN
        _centred_text(
            canvas, label.tracking_number, FONT_BOLD, 12, self.width / 2, bottom + 2, width
        )
        barcode = _barcode(label.tracking_number, width=width, height=62)
        barcode.drawOn(canvas, left + (width - barcode.width) / 2, bottom + 17)
        bottom += 17 + 62 + 6
        self._rule(bottom)

        order_lines = [_("Order %(number)s") % {"number": label.order_number}]
        if label.platform_reference:
            order_lines.append(
                _("Shop ref. %(reference)s") % {"reference": label.platform_reference}
            )
        if label.package_count:
            order_lines.append(
                _("Package %(position)s of %(count)s · %(weight)s g (shipment %(total)s g)")
                % {
                    "position": label.package_position,
                    "count": label.package_count,
                    "weight": label.package_weight_grams,
                    "total": label.total_weight_grams,
                }
            )
        y = bottom + 4
        for index, text in enumerate(reversed(order_lines)):
            is_order = index == len(order_lines) - 1
            font, size = (FONT_BOLD, 13) if is_order else (FONT, 9)
            size = min(size, size * width / max(pdfmetrics.stringWidth(text, font, size), 1))
            canvas.setFont(font, size)
            canvas.drawString(left, y, text)
            y += size + 4
        bottom = y
        self._rule(bottom)

        if label.cod_amount or label.cod_note:
            bottom += 4
            band = 30 if label.cod_amount else 16
            canvas.rect(left, bottom, width, band, stroke=0, fill=1)
            canvas.setFillColor(colors.white)
            if label.cod_amount:
                text = _("COD %(amount)s") % {"amount": label.cod_amount}
                _centred_text(canvas, text, FONT_BOLD, 20, self.width / 2, bottom + 8, width - 8)
            else:
                _centred_text(
                    canvas, label.cod_note, FONT_BOLD, 9, self.width / 2, bottom + 4, width - 8
                )
            canvas.setFillColor(colors.black)
            bottom += band

        # Recipient: as big as the space between allows.
        top -= 3
        canvas.setFont(FONT_BOLD, 8)
        canvas.drawString(left, top - 8, _("TO"))
        room = top - bottom - 6
        paragraph, height = _fitted_paragraph(
            lambda s: _party_markup(label.recipient, name_size=s + 2, size=s),
            width - 24,
            room,
            (14, 13, 12, 11, 10, 9, 8, 7, 6),
        )
        _draw_within(canvas, paragraph, height, x=left + 24, top=top, room=room)

    def _rule(self, y: float) -> None:
        self.canv.setLineWidth(1.2)
        self.canv.line(MARGIN, y, self.width - MARGIN, y)


# -- the packing slip ------------------------------------------------------------------


class _SlipMarker(Flowable):
    """Tells the footer which slip the following pages belong to, and where it starts."""

    def __init__(self, footer: str):
        super().__init__()
        self.footer = footer

    def wrap(self, available_width, available_height):
        return 0, 0

    def draw(self):
        self.canv._slip_footer = self.footer
        self.canv._slip_first_page = self.canv.getPageNumber()


def _slip_footer(canvas, document) -> None:
    footer = getattr(canvas, "_slip_footer", "")
    if not footer:
        return
    page = canvas.getPageNumber() - getattr(canvas, "_slip_first_page", 1) + 1
    canvas.saveState()
    canvas.setFont(FONT, 7)
    text = _("%(slip)s · page %(page)s") % {"slip": footer, "page": page}
    canvas.drawCentredString(PAGE_SIZE[0] / 2, MARGIN, text)
    canvas.restoreState()


def _slip_story(slip: PackingSlip) -> list[Flowable]:
    position = _("Package %(position)s of %(count)s") % {
        "position": slip.package_position,
        "count": slip.package_count,
    }
    order = _("Order %(number)s") % {"number": slip.order_number}
    small, body = _style(7.5), _style(8.5)
    story: list[Flowable] = [
        _SlipMarker(f"{order} · {position}"),
        Paragraph(escape(slip.storefront_name), _style(13, bold=True)),
        Paragraph(escape(_("Packing slip")), small),
        Spacer(0, 4),
        _BarcodeFlowable(slip.order_number, height=40, text_size=10),
        Spacer(0, 4),
    ]
    facts = [f"<b>{escape(order)}</b>"]
    if slip.platform_reference:
        facts.append(escape(_("Shop ref. %(reference)s") % {"reference": slip.platform_reference}))
    facts.append(f"<b>{escape(position)}</b> · {slip.weight_grams} g")
    facts.append(escape(_("Packed on %(date)s") % {"date": slip.packed_on.isoformat()}))
    if slip.tracking_number:
        facts.append(escape(f"{slip.carrier_name} {slip.tracking_number}"))
    story.append(Paragraph("<br/>".join(facts), body))
    story.append(Spacer(0, 4))
    customer = escape(_("Customer: %(name)s") % {"name": slip.customer_name})
    ship_to = _party_markup(slip.recipient, name_size=8.5, size=8.5)
    story.append(Paragraph(f"{customer}<br/><b>{escape(_('Ship to'))}</b><br/>{ship_to}", body))
    story.append(Spacer(0, 6))

    rows = [[_("SKU"), _("Item"), _("Qty"), "✓"]]
    rows += [
        [
            Paragraph(escape(line.sku), small),
            Paragraph(escape(line.name), small),
            str(line.quantity),
            "",
        ]
        for line in slip.lines
    ]
    units = sum(line.quantity for line in slip.lines)
    rows.append(["", _("Items in this package"), str(units), ""])
    width = PAGE_SIZE[0] - 2 * MARGIN
    table = Table(rows, colWidths=[70, width - 70 - 28 - 18, 28, 18], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 7.5),
                ("FONT", (0, 0), (-1, 0), FONT_BOLD, 7.5),
                ("FONT", (0, -1), (-1, -1), FONT_BOLD, 7.5),
                ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
                ("ALIGN", (3, 0), (3, -1), "CENTER"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -2), 0.25, colors.grey),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
                ("BOX", (3, 1), (3, -2), 0.5, colors.black),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    story.append(table)
    return story
