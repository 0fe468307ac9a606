"""Routes of reason analytics, the monthly report and the review report (pages and PDFs)."""

from django.urls import path

from waymark.reporting import report_views

urlpatterns = [
    path("reasons/", report_views.reason_analytics, name="reason-analytics"),
    path(
        "plans/<int:pk>/reports/monthly/",
        report_views.plan_monthly_report,
        name="plan-monthly-report",
    ),
    path(
        "plans/<int:pk>/reports/monthly.pdf",
        report_views.plan_monthly_report_pdf,
        name="plan-monthly-report-pdf",
    ),
    path("reviews/<int:pk>/report/", report_views.review_report, name="review-report"),
    path("reviews/<int:pk>/report.pdf", report_views.review_report_pdf, name="review-report-pdf"),
]
