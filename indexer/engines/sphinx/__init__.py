"""A sharded cluster of Sphinx (or Manticore) search nodes behind an aggregator.

layout.py says which nodes exist and where (saved as cluster.json); nodeconfig.py writes
each node's searchd configuration from the field registry; local.py starts, stops and
checks a cluster of local processes for development and tests; sphinxql.py talks to a
node; ids.py names documents, values and terms; backend.py writes documents into the
cluster and writes.py plans full builds and reindexes as the Whoosh backend does;
termstats.py keeps what scoring needs (each document's terms, the cluster's document
frequencies and lengths); querytext.py and search.py search it, rerank.py scores the
cluster's best candidates as the Whoosh backend would and marks.py marks their matches;
service.py offers all of it as the CLI and the web use an index (indexer/backends.py).
"""
