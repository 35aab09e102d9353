"""Twin's Django apps, one per stage of the data flow (see ARCHITECTURE.md)."""
