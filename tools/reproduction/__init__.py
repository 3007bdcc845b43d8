"""One-command reproduction of every experiment of Liu et al. (NeurIPS 2018): runner and report.

``tools/reproduce.py`` is the entry point; this package holds the presets (budgets), the
experiment runners (each calls a package's console-script ``main()``) and the report writer.
"""
