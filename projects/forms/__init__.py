"""The forms, one module an area: evaluations (the editor, the new-form and filter forms),
workflow (the reviewer's form), manage (系统管理) and imports (the upload)."""
