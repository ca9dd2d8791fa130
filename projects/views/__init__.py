"""The pages, one module an area: evaluations (the form, the list, the home page),
workflow (submit and review), exports, imports, manage (系统管理) and dashboard.
Views only read the request, call a selector or a service and render."""
