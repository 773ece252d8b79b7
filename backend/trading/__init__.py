"""Demo trading under Binance spot rules: orders, fills on the live market, ledger, portfolio."""
