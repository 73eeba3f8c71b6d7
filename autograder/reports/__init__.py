"""Per-submission outputs: Gradescope's results.json and the feedback page."""
