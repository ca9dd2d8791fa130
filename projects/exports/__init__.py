"""Exports of forms: Word, PDF, Excel (the summary, and a form in the paper layout), a ZIP.

- ``sheet``: the official table of one form, built once from an Evaluation and its
  FormResult; every exporter only formats it.
- ``word``, ``pdf`` (+ ``pdf_engine``), ``excel``, ``archive``, ``jsondoc``,
  ``paper_xlsx`` (the form as an Excel sheet in the paper layout): the exporters, each
  with the one shape of ``base`` (docs/architecture.md「… an exporter」).
- ``registry``: which exporters exist, by identifier.

This package's ``__init__`` imports nothing: a PDF worker process imports
``projects.exports.pdf_engine`` without Django being set up.
"""
