"""The organisation's REST API: /api/v1/units/ and /api/v1/people/."""
