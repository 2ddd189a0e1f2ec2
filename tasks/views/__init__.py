"""Officer pages of the tasks app, one module per feature.

- `plan`: the plan page with its appendix, derive / issue / revise, task chain, history;
- `editor`: the appendix editor and its live timeframe reading;
- `imports`: Excel import (upload → preview → confirm) and export;
- `mine`: "Nhiệm vụ của đơn vị", the tracked assignments of the user's unit.
"""
