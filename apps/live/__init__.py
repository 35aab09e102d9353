"""The live twin: projections of the event log into current DC, lane, stock and customer state."""
