"""Synthetic data for the demo, the tests and the benchmarks: nothing here is a real child.

Outside the core package on purpose (an import-linter contract keeps `missing_education`,
`flows` and `tasks` from importing it): a council's service never makes up children.

- `synthetic.council`: a synthetic council (term dates, schools, notification files).
- `synthetic.register`, `synthetic.names`: a register of pupils in households, for matching.
- `synthetic.noisy_notifications`: notifications about those pupils, with realistic errors.
- `synthetic.simulation`: a simulated term of casework (seeded answers, no typesetting).
"""
