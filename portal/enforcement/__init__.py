"""行政执法三项制度 公示: the enforcing bodies, their officers and matters (事前公示), and the
licensing and penalty decisions published after the fact (事后公示)."""
