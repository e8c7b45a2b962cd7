"""The OpenSearch engine: everything this project needs to run its search on a real OpenSearch cluster.

It owns the development and test cluster (`cluster`: a small Java launcher built with Maven from
OpenSearch's own jars, one JVM per node on loopback, started, watched and stopped by process id),
the French analysis chain expressed as OpenSearch index settings (`analysis`, generated from the
Python chain in `search.analysis` and checked token for token against it), and later the engine
adapter behind the same ``search(request) -> result`` contract as the embedded Whoosh index. The
Maven module under ``launcher/`` is a build input, never shipped in the Python wheel.
"""
