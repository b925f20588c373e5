"""``deptnews sources add``: a department site configured from its address.

One concept per module: :mod:`.client` (polite GETs: robots.txt, per-host delay, a request budget),
:mod:`.entries` (feeds, sitemaps and news menu entries a homepage declares), :mod:`.shapes` (the article
URL pattern inferred from the links listings share), :mod:`.identity` (department, jurisdiction, name and
id from the site), :mod:`.propose` (one site: look, infer, check by parsing a sample), :mod:`.bulk` (many
sites at once, concurrently across hosts). See docs/onboarding.md.
"""
