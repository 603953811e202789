"""Allows `python -m vrtherapy`."""

from vrtherapy.cli import main

raise SystemExit(main())
