# Shorthands for tasks.py, which needs nothing but Python (README's two commands use it directly).
.PHONY: demo test lock clean
demo:
	python3 tasks.py demo
test:
	python3 tasks.py test
lock:
	python3 tasks.py lock
clean:
	rm -rf .venv .mypy_cache .pytest_cache .ruff_cache .hypothesis
