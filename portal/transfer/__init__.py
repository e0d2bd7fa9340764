"""Bringing an earlier site's records in and taking every public record out.

- `history`: historical documents imported from a metadata table and a folder of files
  (`flask disclosures import`), published as of their original dates.
- `dataset`: every public record as JSON and CSV, the same for the bulk export and the
  public open-data download.
- `export`: the resumable bulk export to a folder with the files and a SHA256SUMS
  manifest (`flask export DIR [--resume]`).
- `views`: `/open-data/`, the dataset for anyone to download.
"""
