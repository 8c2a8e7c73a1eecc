"""Events are facts: the envelope, the hash chain, the codec and the event types of each stream."""
