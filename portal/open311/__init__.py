"""Open311 GeoReport v2 at /open311/v2/: inquiry types as services, published inquiries as
service requests, and submissions from clients holding an API key that admins issue
(`portal.open311.keys`, the page /staff/open311/keys/ and `flask open311 …`)."""
