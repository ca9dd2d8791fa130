"""The application's URLs, one named list an area; selfeval/urls.py mounts each at its prefix."""

from django.urls import include, path

from projects.views import dashboard, evaluations, evidence, exports, imports, manage, workflow

evaluation_urls = [
    path("", evaluations.home, name="home"),
    path("evaluations/new/", evaluations.evaluation_create_view, name="evaluation_create"),
    path("evaluations/<int:pk>/", evaluations.evaluation_detail, name="evaluation_detail"),
    path("evaluations/<int:pk>/save/", evaluations.evaluation_save, name="evaluation_save"),
    path(
        "evaluations/<int:pk>/recalculate/",
        evaluations.evaluation_recalculate,
        name="evaluation_recalculate",
    ),
    path("evaluations/<int:pk>/rows/", evaluations.evaluation_rows, name="evaluation_rows"),
    path("evaluations/<int:pk>/print/", evaluations.evaluation_print, name="evaluation_print"),
    path(
        "evaluations/<int:pk>/history/", evaluations.evaluation_history, name="evaluation_history"
    ),
    path(
        "evaluations/<int:pk>/next-year/",
        evaluations.evaluation_create_from_previous_view,
        name="evaluation_create_from_previous",
    ),
    path(
        "evaluations/<int:pk>/evidence/",
        evidence.evidence_upload_view,
        name="evidence_upload",
    ),
    path(
        "evaluations/<int:pk>/evidence/<int:evidence_id>/",
        evidence.evidence_download,
        name="evidence_download",
    ),
    path(
        "evaluations/<int:pk>/evidence/<int:evidence_id>/delete/",
        evidence.evidence_remove_view,
        name="evidence_remove",
    ),
    path("tasks/<int:pk>/start/", evaluations.task_start_view, name="task_start"),
    path("indicators/library/", evaluations.indicator_library_view, name="indicator_library"),
]

workflow_urls = [
    path("evaluations/<int:pk>/submit/", workflow.evaluation_submit_view, name="evaluation_submit"),
    path("evaluations/<int:pk>/review/", workflow.evaluation_review_view, name="evaluation_review"),
    path("evaluations/<int:pk>/return/", workflow.evaluation_return_view, name="evaluation_return"),
    path(
        "evaluations/<int:pk>/approve/", workflow.evaluation_approve_view, name="evaluation_approve"
    ),
    path("evaluations/<int:pk>/reopen/", workflow.evaluation_reopen_view, name="evaluation_reopen"),
    path("evaluations/approve/", workflow.evaluations_approve_view, name="evaluations_approve"),
]

export_urls = [
    path(
        "evaluations/<int:pk>/export/<slug:kind>/",
        exports.evaluation_export,
        name="evaluation_export",
    ),
    path("evaluations/export/<slug:kind>/", exports.evaluations_export, name="evaluations_export"),
]

dashboard_urls = [
    path("", dashboard.dashboard, name="dashboard"),
    path("projects/<int:pk>/", dashboard.project_detail, name="dashboard_project"),
    path("indicators/", dashboard.indicator_library_page, name="dashboard_indicators"),
    path("report/", dashboard.dashboard_report, name="dashboard_report"),
    path("tasks/", dashboard.dashboard_tasks, name="dashboard_tasks"),
]

import_urls = (
    [
        path("", imports.import_upload, name="upload"),
        path("<slug:token>/", imports.import_preview, name="preview"),
        path("<slug:token>/confirm/", imports.import_confirm, name="confirm"),
        path("<slug:token>/cancel/", imports.import_cancel, name="cancel"),
        path("<slug:token>/levels/<int:index>/", imports.import_levels, name="levels"),
    ],
    "imports",
)

manage_urls = (
    [
        path("users/", manage.user_list, name="users"),
        path("users/new/", manage.user_create_view, name="user_create"),
        path("users/<int:pk>/", manage.user_edit_view, name="user_edit"),
        path("users/<int:pk>/password/", manage.user_password_view, name="user_password"),
        path("departments/", manage.department_list, name="departments"),
        path("departments/new/", manage.department_create_view, name="department_create"),
        path("departments/<int:pk>/", manage.department_edit_view, name="department_edit"),
        path(
            "departments/<int:pk>/delete/",
            manage.department_delete_view,
            name="department_delete",
        ),
        path(
            "departments/<int:pk>/merge/",
            manage.department_merge_view,
            name="department_merge",
        ),
        path("years/", manage.year_list, name="years"),
        path("years/new/", manage.year_create_view, name="year_create"),
        path("years/<int:pk>/", manage.year_edit_view, name="year_edit"),
        path("tasks/", manage.task_list, name="tasks"),
        path(
            "tasks/<int:year>/from-previous/",
            manage.task_issue_previous_view,
            name="task_issue_previous",
        ),
        path("tasks/<int:year>/new/", manage.task_create_view, name="task_create"),
        path("tasks/<int:year>/upload/", manage.task_upload_view, name="task_upload"),
    ],
    "manage",
)

urlpatterns = [
    path("dashboard/", include(dashboard_urls)),
    path("imports/", include(import_urls)),
    path("manage/", include(manage_urls)),
    *export_urls,
    *workflow_urls,
    *evaluation_urls,
]
