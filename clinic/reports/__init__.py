"""PDFs: one render function (``render.render_pdf``) that every PDF in the app goes through,
and the documents built on it (handouts now; homework, intake and summaries later)."""

from clinic.reports.render import PdfTooLarge, practice_context, render_pdf

__all__ = ["PdfTooLarge", "practice_context", "render_pdf"]
