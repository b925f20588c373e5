"""Text of archived attachments: PDF (text layer, or OCR for scanned pages), DOCX, XLSX, DOC, XLS.

Extraction is a pure step from a file's bytes (as archived; never fetched again) to its text, page by
page (sheet by sheet for a workbook), cleaned like page text (:func:`archive.parse.text.clean_text`
line by line) and converted from the legacy Vietnamese encodings (TCVN3, VNI) when a Word or Excel file
was typed in one. :func:`~archive.documents.extract.extract` dispatches on the file's magic bytes;
:mod:`archive.documents.worker` runs it in a bounded child process; :mod:`archive.documents.run` is the
resumable ``deptnews extract`` step.
"""
