"""重大行政决策征求意见: a draft decision published for comment (事先公布、听取意见), comments
moderated before they show, then the adoption summary, the legality review (合法性审查)
and the collective-discussion date, linked to the final decision.

`open_today` is what the home page lists under 正在征求意见."""

from portal.consultations.queries import open_today

__all__ = ["open_today"]
