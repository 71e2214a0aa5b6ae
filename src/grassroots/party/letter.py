"""The introduction letter (党员组织关系介绍信) of a transfer: the standard layout of a stub (存根) and the
letter itself (正本) on one A4 page, with a QR code pointing to the public verification page. Rendered
by reportlab with its built-in CID font STSong-Light (no font files needed for Chinese)."""

from __future__ import annotations

import io

import segno
from django.utils.safestring import mark_safe

FONT = "STSong-Light"


def qr_svg(url: str) -> str:
    """An inline SVG of the verification QR code (for the print view)."""
    return mark_safe(segno.make(url, error="m").svg_inline(scale=3, omitsize=False))  # generated SVG markup


def _ym(d) -> str:
    return f"{d.year} 年 {d.month} 月" if d else "未登记"


def _ymd(d) -> str:
    return f"{d.year} 年 {d.month} 月 {d.day} 日" if d else ""


def letter_lines(ctx: dict) -> dict:
    """The texts of the letter, shared by the PDF and the print view."""
    t, p = ctx["t"], ctx["person"]
    facts = "，".join(
        x
        for x in (
            p["gender"],
            f"{p['age']} 岁" if p["age"] is not None else "",
            p["status"],
            f"身份证号码 {p['id_masked']}" if p["id_masked"] else "",
        )
        if x
    )
    body = (
        f"兹介绍 {p['name']} 同志（{facts}）的党员组织关系由 {t.from_name} 转去 {t.to_name}，请接洽。"
        f"该同志党费已交到 {_ym(t.dues_paid_to)}。"
    )
    return {
        "title": "中国共产党党员组织关系介绍信",
        "number": f"第 {t.letter_no} 号",
        "addressee": f"{t.to_name}：",
        "body": body,
        "validity": f"（有效期 {t.validity_days} 天，至 {_ymd(ctx['valid_until'])}）"
        if t.validity_days
        else "",
        "issuer": t.from_name,
        "date": _ymd(t.issued_on),
        "stub": [
            ("姓名", p["name"]),
            ("性别", p["gender"]),
            ("年龄", f"{p['age']} 岁" if p["age"] is not None else "—"),
            ("党员类别", p["status"]),
            ("身份证号码", p["id_masked"] or "—"),
            ("转出组织", t.from_name),
            ("转入组织", t.to_name),
            ("党费交至", _ym(t.dues_paid_to)),
            ("开具日期", _ymd(t.issued_on)),
            ("有效期", f"{t.validity_days} 天" if t.validity_days else "—"),
        ],
    }


def _wrap(c, text: str, size: float, width: float) -> list[str]:
    """Break Chinese text into lines no wider than `width` (character by character)."""
    lines, line = [], ""
    for ch in text:
        if c.stringWidth(line + ch, FONT, size) > width:
            lines.append(line)
            line = ch
        else:
            line += ch
    if line:
        lines.append(line)
    return lines


def letter_pdf(ctx: dict) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    lines = letter_lines(ctx)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle(f"{lines['title']} {ctx['t'].letter_no}")
    w, h = A4
    left, right = 22 * mm, w - 22 * mm

    # ---- stub (存根), the upper third, kept by the sending org
    y = h - 22 * mm
    c.setFont(FONT, 15)
    c.drawCentredString(w / 2, y, lines["title"] + "（存根）")
    c.setFont(FONT, 10)
    c.drawRightString(right, y - 8 * mm, lines["number"])
    y -= 16 * mm
    col_w = (right - left) / 2
    for i, (label, value) in enumerate(lines["stub"]):
        x = left + (i % 2) * col_w
        if i % 2 == 0 and i:
            y -= 7 * mm
        c.setFont(FONT, 10)
        c.drawString(x, y, f"{label}：{value}")
    # ---- the perforation with the letter number across it (骑缝)
    y -= 12 * mm
    c.setDash(3, 3)
    c.line(left - 8 * mm, y, right + 8 * mm, y)
    c.setDash()
    c.setFont(FONT, 9)
    c.drawCentredString(w / 2, y + 2 * mm, f"（骑缝）{lines['number']}")

    # ---- the letter (正本), carried by the member to the receiving org
    y -= 16 * mm
    c.setFont(FONT, 18)
    c.drawCentredString(w / 2, y, lines["title"])
    c.setFont(FONT, 10)
    c.drawRightString(right, y - 9 * mm, lines["number"])
    y -= 20 * mm
    c.setFont(FONT, 12)
    c.drawString(left, y, lines["addressee"])
    y -= 9 * mm
    for line in _wrap(c, "　　" + lines["body"], 12, right - left):
        c.drawString(left, y, line)
        y -= 8 * mm
    if lines["validity"]:
        c.drawString(left, y, lines["validity"])
        y -= 8 * mm
    # issuer and date on the right, the QR code on the left
    y -= 10 * mm
    c.drawRightString(right, y, lines["issuer"] + "（盖章）")
    c.drawRightString(right, y - 8 * mm, lines["date"])
    _draw_qr(c, ctx["verify_url"], left, y - 30 * mm, 32 * mm)
    c.setFont(FONT, 8)
    c.drawString(left, y - 34 * mm, "扫码核验介绍信真伪")
    c.showPage()
    c.save()
    return buf.getvalue()


def _draw_qr(c, data: str, x: float, y: float, size: float) -> None:
    """Draw the QR code as filled squares (vector: sharp at any print size)."""
    qr = segno.make(data, error="m")
    matrix = [list(row) for row in qr.matrix]
    n = len(matrix)
    border = 2
    cell = size / (n + 2 * border)
    c.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(matrix):
        for col, dark in enumerate(row):
            if dark:
                c.rect(
                    x + (col + border) * cell,
                    y + size - (r + border + 1) * cell,
                    cell,
                    cell,
                    stroke=0,
                    fill=1,
                )
