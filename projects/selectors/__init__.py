"""Every read that is scoped to a user, one module an area: evaluations (forms, projects,
the scoring input), workflow (to-dos, history) and dashboard."""
