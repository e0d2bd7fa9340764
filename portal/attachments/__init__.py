"""Uploaded files: checked by content, stored under generated names, served as downloads."""
