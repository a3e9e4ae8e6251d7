"""What-if simulation: reforms, transplants, portfolios, sweeps, Monte Carlo, readings, plots."""
