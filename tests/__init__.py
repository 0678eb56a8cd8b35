"""The test suite: unit tests on fakes, integration on real databases, end-to-end runs."""
