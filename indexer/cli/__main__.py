"""python -m indexer.cli"""

from . import main

main()
