"""smas: the hub's source plugin for the SMAS partner API (being built: no hooks yet)."""
