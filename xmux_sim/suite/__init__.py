"""Suites of scenarios run one after another (`xmux-sim suite`), and the dashboard over their reports."""
