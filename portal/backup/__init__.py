"""Backup and restore of the whole site (`flask --app portal backup PATH`,
`flask --app portal restore PATH`): the database and the uploaded files in one
checksummed archive. See `archive` for the format and `engines` for SQLite/PostgreSQL."""
