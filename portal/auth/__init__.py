"""Staff accounts, role grants and the permission check every service calls."""
