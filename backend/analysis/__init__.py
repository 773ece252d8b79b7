"""Analysis: technical indicators (TA-Lib behind a registry) and coin comparison."""
