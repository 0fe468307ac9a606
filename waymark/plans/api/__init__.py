"""The plans' REST API: /api/v1/plans/, /api/v1/elements/ and /api/v1/milestones/."""
