"""Keeping personal data off every public byte: scanning texts and attachments before
sign-off, the places found, and what a person confirmed (see `files` and `texts`).
The recognisers themselves are in `portal.privacy`."""
