"""The pages of the web UI, one module per area: ``home`` (the dashboard), ``org`` (org home
and search), ``project`` (project and release pages) and ``actions`` (yank, delete)."""
