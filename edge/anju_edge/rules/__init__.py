"""Rules turn what the edge saw (gate events, tracked objects) into alert drafts."""
