"""The inquiry-and-response queue: 留言（咨询、建议、投诉、求助、举报）、依申请公开、舆情."""
