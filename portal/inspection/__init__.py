"""What discipline inspectors (纪委) use: timeliness dashboards, 督办 notices, exports and
the audit chain's verdict."""
