"""One-command reproduction of every experiment of Liu et al. (NeurIPS 2018): runner and report.

``tools/reproduce.py`` is the entry point; this package holds the presets (budgets, seeds, cost
estimates), the experiment runners (each calls a package's console-script ``main()``), the
scheduler that runs them in worker processes with progress lines, the per-seed summaries, the
report writer and the publisher of the committed reference report.
"""
