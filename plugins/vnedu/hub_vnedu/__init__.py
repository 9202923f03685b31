"""vnedu: the hub's source plugin for the vnEdu partner API (being built: no hooks yet)."""
