"""Forecasts: LSTM models trained, evaluated and run on workers, always beside naive baselines."""
