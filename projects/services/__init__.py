"""Every write, one module an area: evaluations (a form and its rows, one write path),
workflow, manage (系统管理: users, departments, years) and imports (confirming an import)."""
