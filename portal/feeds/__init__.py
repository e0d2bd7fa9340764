"""订阅与站点地图: Atom feeds (per category, per organization, per village) and
/sitemap.xml. `portal.feeds.atom` is the one Atom writer the site uses."""
