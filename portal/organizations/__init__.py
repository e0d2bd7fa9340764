"""The organization tree: county → town → {department, village}."""
