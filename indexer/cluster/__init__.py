"""A sharded cluster of Sphinx (or Manticore) search nodes behind an aggregator.

layout.py says which nodes exist and where (saved as cluster.json); nodeconfig.py writes
each node's searchd configuration from the field registry; local.py starts, stops and
checks a cluster of local processes for development and tests; sphinxql.py talks to a
node; backend.py builds documents into the cluster; querytext.py and search.py search
it; service.py offers both as the CLI and the web use an index (indexer/backends.py).
"""
